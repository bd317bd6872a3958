// Types for button-view.js: a button's view of a call's state (shared by <sync-button> and react.js).

/** A call's state as a button reads it (sync.js's call state is one). */
export interface SyncButtonCallState {
  status: 'idle' | 'pending' | 'success' | 'error' | 'queued' | 'dead';
  attempt?: number;
  maxAttempts?: number;
  data?: unknown;
  problem?: unknown;
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

