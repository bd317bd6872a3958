// Types for react.js: useSyncMutation and SyncButton. React's own types come from @types/react
// (a peer, like React itself).

import type { ReactElement, ReactNode, ButtonHTMLAttributes } from 'react';

/** A call's state (the Java client's states). */
export interface CallStateLike<D = unknown> {
  status: 'idle' | 'pending' | 'success' | 'error' | 'queued' | 'dead';
  attempt: number;
  maxAttempts: number;
  data?: D;
  problem?: unknown;
}

/** What the adapter needs of a call (sync.js's calls are ones). */
export interface CallLike<D = unknown> {
  readonly key: string;
  readonly state: CallStateLike<D>;
  readonly result: Promise<D>;
  subscribe(listener: (state: CallStateLike<D>) => void): () => void;
}

/** What the adapter needs of a mutation (sync.js's mutations are ones). */
export interface MutationLike<V = any, D = unknown> {
  mutate(variables: V): CallLike<D>;
}

/** What useSyncMutation returns; the same object until the state changes. */
export interface SyncMutationResult<V = any, D = unknown> {
  /** Sends a call (or joins the one in flight with equal variables) and follows it. */
  mutate(variables: V): CallLike<D>;
  /** Shows idle again and stops following the call (which still completes). */
  reset(): void;
  /** The call followed, or null. */
  call: CallLike<D> | null;
  state: CallStateLike<D>;
  isIdle: boolean;
  isPending: boolean;
  isQueued: boolean;
  isSuccess: boolean;
  /** True for `error` and `dead`. */
  isError: boolean;
  data: D | undefined;
  /** The problem (RFC 9457) of an `error` or `dead` call, else undefined. */
  error: unknown;
  /** The seed's names: `maxRetries` is the number of attempts a call may make in all. */
  progress: { attempt: number; maxRetries: number };
}

/** The latest call of `mutation`, as React state (useSyncExternalStore). Server rendering: idle. */
export function useSyncMutation<V, D>(mutation: MutationLike<V, D>): SyncMutationResult<V, D>;

/** The store behind the hook, usable without React. Main thread only. */
export function createMutationStore<V, D>(mutation: MutationLike<V, D>): {
  subscribe(listener: () => void): () => void;
  getSnapshot(): SyncMutationResult<V, D>;
  mutate(variables: V): CallLike<D>;
  reset(): void;
};

/** The hook's result for a state (null: idle). Pure. */
export function mutationResult<V, D>(state: CallStateLike<D> | null, call: CallLike<D> | null,
  mutate: (variables: V) => CallLike<D>, reset: () => void): SyncMutationResult<V, D>;

/** Props of SyncButton; any other button attribute passes through to the `<button>`. */
export interface SyncButtonProps<V = any, D = unknown>
  extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onClick' | 'onError' | 'type' | 'children'> {
  mutation: MutationLike<V, D>;
  /** The variables, or a function called at each click that returns them. */
  variables?: V | (() => V);
  loadingText?: string;
  successText?: string;
  /** How long (ms) success shows before idle; default 2000. */
  successDuration?: number;
  /** A question asked in a modal dialog first; cancelling sends nothing. */
  confirm?: string;
  confirmText?: string;
  cancelText?: string;
  /** Show "attempt n of m" while pending. */
  progress?: boolean;
  onSuccess?: (data: D, call: CallLike<D>) => void;
  onError?: (problem: unknown, call: CallLike<D>) => void;
  /** The label shown when idle (and when no loading or success text is set). */
  children?: ReactNode;
}

/** A button bound to a mutation: the React twin of `<sync-button>`. */
export function SyncButton<V, D>(props: SyncButtonProps<V, D>): ReactElement;
