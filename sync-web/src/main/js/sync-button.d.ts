// Types for sync-button.js: the <sync-button> custom element.

/** A call's state as the element reads it (sync.js's call state is one). */
export interface SyncButtonCallState {
  status: 'idle' | 'pending' | 'success' | 'error' | 'queued' | 'dead';
  attempt?: number;
  maxAttempts?: number;
  data?: unknown;
  problem?: unknown;
}

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

/** What `syncButtonView` returns: how the element shows a state. */
export interface SyncButtonView {
  dataState: 'idle' | 'pending' | 'success' | 'error' | 'queued';
  disabled: boolean;
  busy: boolean;
  /** Replaces the button's own label; null keeps it. */
  text: string | null;
  /** "attempt n of m" while pending with the progress option, else ''. */
  progress: string;
  /** The live region's new text; null leaves it, '' clears it. */
  announce: string | null;
}

/** The view of a state (null: no call yet). Pure: the element renders exactly this. */
export function syncButtonView(
  state: SyncButtonCallState | null | undefined,
  options?: { loadingText?: string | null; successText?: string | null; progress?: boolean },
): SyncButtonView;

/** A problem (RFC 9457) or an error as one line: "title: detail". */
export function describe(problem: unknown): string;

/** The default time (ms) the success state shows before the button returns to idle: 2000. */
export const DEFAULT_SUCCESS_DURATION_MS: number;

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
