// The React adapter: useSyncMutation(mutation) and <SyncButton>. React is a peer dependency,
// imported by name and never bundled here; the state lives in the call (sync.js), this only
// subscribes to it with useSyncExternalStore.

import { createElement, useCallback, useEffect, useId, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { syncButtonView, DEFAULT_SUCCESS_DURATION_MS } from './button-view.js';

const IDLE = Object.freeze({ status: 'idle', attempt: 0, maxAttempts: 0, data: undefined, problem: undefined });

/** The hook's result for a call state (null: no call yet). Pure. */
export function mutationResult(state, call, mutate, reset) {
  const s = state ?? IDLE;
  const isError = s.status === 'error' || s.status === 'dead';
  return {
    mutate,
    reset,
    call,
    state: s,
    isIdle: s.status === 'idle',
    isPending: s.status === 'pending',
    isQueued: s.status === 'queued',
    isSuccess: s.status === 'success',
    isError,
    data: s.data,
    error: isError ? s.problem : undefined,
    // The seed's names: maxRetries is the number of attempts a call may make in all.
    progress: { attempt: s.attempt ?? 0, maxRetries: s.maxAttempts ?? 0 },
  };
}

/**
 * The store behind useSyncMutation, exported so it can be used (and tested) without React:
 * `subscribe(listener)` and `getSnapshot()` in the shape useSyncExternalStore wants (the snapshot
 * is the same object until the state changes), `mutate(vars)` sends a call and follows it (a newer
 * call replaces an older one in the view; the older still completes), `reset()` shows idle again.
 * Main thread only.
 */
export function createMutationStore(mutation) {
  const listeners = new Set();
  let call = null;
  let unsubscribeCall = null;
  let snapshot;

  const publish = (state) => {
    snapshot = mutationResult(state, call, mutate, reset);
    for (const listener of [...listeners]) listener();
  };

  function mutate(variables) {
    const next = mutation.mutate(variables);
    if (next !== call) {
      unsubscribeCall?.();
      call = next;
      unsubscribeCall = next.subscribe((state) => {
        if (call === next) publish(state);
      });
    }
    if (snapshot.state !== next.state) publish(next.state);
    return next;
  }

  function reset() {
    unsubscribeCall?.();
    unsubscribeCall = null;
    call = null;
    publish(null);
  }

  snapshot = mutationResult(null, null, mutate, reset);
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => snapshot,
    mutate,
    reset,
  };
}

/**
 * The state of one mutation's latest call, for a component: `{ mutate, state, isPending, isError,
 * isSuccess, data, error, progress: { attempt, maxRetries } }` (plus `isIdle`, `isQueued`, `call`,
 * `reset`). `mutate(vars)` returns the call (its `result` is a promise of the body). Server
 * rendering shows idle.
 */
export function useSyncMutation(mutation) {
  const store = useMemo(() => createMutationStore(mutation), [mutation]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/**
 * A button bound to a mutation, the React twin of `<sync-button>`: props `mutation`, `variables`
 * (a value or a function called at click), `loadingText`, `successText`, `successDuration` (ms),
 * `confirm` (a question in a modal dialog first; cancel sends nothing), `progress` ("attempt n of
 * m"), `onSuccess(data, call)`, `onError(problem, call)`, `children` (the label) and any other
 * button props. Disabled while pending; `data-state` and `aria-busy` on the button, outcomes
 * announced in an aria-live region.
 */
export function SyncButton(props) {
  const {
    mutation, variables, loadingText, successText, successDuration = DEFAULT_SUCCESS_DURATION_MS,
    confirm, progress = false, onSuccess, onError, children, confirmText = 'OK', cancelText = 'Cancel',
    disabled, className, ...rest
  } = props;
  const m = useSyncMutation(mutation);
  const dialog = useRef(null);
  const statusId = useId();
  const [expired, setExpired] = useState(null);
  const settled = useRef(null);
  const callbacks = useRef({ onSuccess, onError });
  callbacks.current = { onSuccess, onError };

  const state = m.state;
  useEffect(() => {
    if (state.status !== 'success') return undefined;
    const timer = setTimeout(() => setExpired(state), successDuration);
    return () => clearTimeout(timer);
  }, [state, successDuration]);
  useEffect(() => {
    const call = m.call;
    if (!call || settled.current === call) return;
    if (state.status === 'success') {
      settled.current = call;
      callbacks.current.onSuccess?.(state.data, call);
    } else if (state.status === 'error' || state.status === 'dead') {
      settled.current = call;
      callbacks.current.onError?.(state.problem, call);
    }
  }, [m.call, state]);

  const view = syncButtonView(expired === state || state.status === 'idle' ? null : state,
    { loadingText, successText, progress });
  // The live region keeps the last outcome until the next one: state adjusted while rendering
  // (React's pattern for state derived from a change), so it shows in the same commit.
  const [announced, setAnnounced] = useState('');
  if (view.announce != null && view.announce !== announced) setAnnounced(view.announce);

  const send = useCallback(() => {
    m.mutate(typeof variables === 'function' ? variables() : variables);
  }, [m.mutate, variables]);
  const onClick = () => {
    if (confirm != null && dialog.current) {
      dialog.current.returnValue = '';
      dialog.current.showModal();
    } else {
      send();
    }
  };
  const onClose = () => {
    if (dialog.current?.returnValue === 'confirm') send();
  };

  return createElement('span', { className: className ? `sync-button ${className}` : 'sync-button' },
    createElement('button', {
      type: 'button', ...rest, onClick, disabled: Boolean(disabled) || view.disabled,
      'data-state': view.dataState, 'aria-busy': view.busy, 'aria-describedby': statusId,
    },
    createElement('span', { className: 'sync-button-label' }, view.text ?? children),
    view.progress ? createElement('span', { className: 'sync-button-progress' }, view.progress) : null),
    createElement('span', { className: 'sync-button-status', id: statusId, role: 'status', 'aria-live': 'polite' },
      announced),
    confirm != null
      ? createElement('dialog', { ref: dialog, className: 'sync-button-dialog', onClose },
        createElement('form', { method: 'dialog' },
          createElement('p', null, confirm),
          createElement('button', { value: 'cancel', className: 'sync-button-cancel', autoFocus: true }, cancelText),
          createElement('button', { value: 'confirm', className: 'sync-button-ok' }, confirmText)))
      : null);
}
