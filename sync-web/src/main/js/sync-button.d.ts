// Types for sync-button.js: the <sync-button> custom element.

import type { SyncButtonCallState } from './button-view.js';

export { syncButtonView, describe, DEFAULT_SUCCESS_DURATION_MS } from './button-view.js';
export type { SyncButtonCallState, SyncButtonView } from './button-view.js';

/** What the element needs of a call: its state and change notifications. */
export interface SyncButtonCall {
  readonly key?: string;
  readonly state: SyncButtonCallState;
  subscribe(listener: (state: SyncButtonCallState) => void): () => void;
}

/** What the element needs of a mutation (sync.js's mutations are ones). */
export interface SyncButtonMutation<V = any> {
  mutate(variables: V): SyncButtonCall;
}

/** `detail` of the `sync-success` event. */
export interface SyncSuccessDetail<D = unknown> {
  call: SyncButtonCall;
  state: SyncButtonCallState;
  data: D;
}

/** `detail` of the `sync-error` event (call is null when mutate itself threw). */
export interface SyncErrorDetail {
  call: SyncButtonCall | null;
  state: SyncButtonCallState;
  problem: unknown;
}

/**
 * `<sync-button>`: a button bound to a mutation. Attributes: `loading-text`, `success-text`,
 * `success-duration` (ms), `confirm` (a question in a modal dialog; cancel sends nothing),
 * `confirm-text`, `cancel-text`, `progress`, `disabled`. Reflects `data-state` and `aria-busy`;
 * fires `sync-success` and `sync-error` (bubbling, composed). Main thread only.
 */
export class SyncButtonElement<V = any> extends HTMLElement {
  /** The mutation a click sends. */
  mutation: SyncButtonMutation<V> | null;
  /** The call's variables, or a function called at each click that returns them. */
  variables: V | (() => V) | undefined;
  /** The call of the last click, or null. */
  readonly call: SyncButtonCall | null;
  /** The state shown, or null when idle. */
  readonly state: SyncButtonCallState | null;
  addEventListener<K extends keyof SyncButtonEventMap>(type: K,
    listener: (this: SyncButtonElement<V>, ev: SyncButtonEventMap[K]) => any,
    options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions): void;
}

/** The element's own events. */
export interface SyncButtonEventMap extends HTMLElementEventMap {
  'sync-success': CustomEvent<SyncSuccessDetail>;
  'sync-error': CustomEvent<SyncErrorDetail>;
}

declare global {
  interface HTMLElementTagNameMap {
    'sync-button': SyncButtonElement;
  }
}
