// The view of a call's state for a button: shared by <sync-button> (sync-button.js) and the React
// SyncButton (react.js), pure so node tests check it without a DOM.

/**
 * The view of a call's state, pure so it can be tested without a DOM.
 *
 * @param {{ status: string, attempt?: number, maxAttempts?: number, problem?: any } | null | undefined} state
 *   the call's state; null or undefined means no call yet (idle)
 * @param {{ loadingText?: string | null, successText?: string | null, progress?: boolean }} [options]
 * @returns {{ dataState: 'idle' | 'pending' | 'success' | 'error' | 'queued', disabled: boolean,
 *   busy: boolean, text: string | null, progress: string, announce: string | null }}
 *   `text` replaces the button's own label (null: keep it); `progress` is "attempt n of m" while
 *   pending with the `progress` option (else ''); `announce` is the message for the live region
 *   (null: leave it as it is; '' clears it)
 */
export function syncButtonView(state, options = {}) {
  const status = state?.status ?? 'idle';
  const { loadingText = null, successText = null, progress = false } = options;
  switch (status) {
    case 'pending': {
      const attempt = state?.attempt ?? 0;
      const max = state?.maxAttempts ?? 0;
      return {
        dataState: 'pending', disabled: true, busy: true, text: loadingText || null,
        progress: progress && attempt > 0 && max > 0 ? `attempt ${attempt} of ${max}` : '',
        announce: '', // cleared, so the outcome is announced even when it repeats the last one
      };
    }
    case 'success':
      return { dataState: 'success', disabled: false, busy: false, text: successText || null, progress: '',
        announce: successText || 'Done' };
    case 'queued':
      return { dataState: 'queued', disabled: false, busy: false, text: null, progress: '',
        announce: 'Saved offline: it will be sent when the connection is back' };
    case 'error':
    case 'dead':
      return { dataState: 'error', disabled: false, busy: false, text: null, progress: '',
        announce: `${status === 'dead' ? 'Not sent' : 'Failed'}: ${describe(state?.problem)}` };
    default:
      return { dataState: 'idle', disabled: false, busy: false, text: null, progress: '', announce: null };
  }
}

/** A problem (RFC 9457) or an error as one line: "title: detail", or what there is of it. */
export function describe(problem) {
  if (problem == null) return 'unknown error';
  if (typeof problem === 'string') return problem;
  const title = problem.title || problem.message || (problem.status ? `HTTP ${problem.status}` : 'unknown error');
  return problem.detail && problem.detail !== title ? `${title}: ${problem.detail}` : title;
}

/** The default time (ms) the success state shows before the button returns to idle. */
export const DEFAULT_SUCCESS_DURATION_MS = 2000;
