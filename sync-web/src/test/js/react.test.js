import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { createMutationStore, mutationResult, useSyncMutation, SyncButton } from '../../main/js/react.js';
import { fakeMutation } from './fake-mutation.js';

test('the store starts idle and its snapshot is stable until something changes', () => {
  const store = createMutationStore(fakeMutation());
  const first = store.getSnapshot();
  assert.equal(first, store.getSnapshot());
  assert.equal(first.state.status, 'idle');
  assert.equal(first.isPending, false);
  assert.equal(first.isError, false);
  assert.equal(first.isSuccess, false);
  assert.equal(first.data, undefined);
  assert.equal(first.error, undefined);
  assert.deepEqual(first.progress, { attempt: 0, maxRetries: 0 });
  assert.equal(typeof first.mutate, 'function');
});

test('mutate follows the call through pending, retries and success, notifying on each change', () => {
  const mutation = fakeMutation(4);
  const store = createMutationStore(mutation);
  let notified = 0;
  store.subscribe(() => notified++);
  const call = store.getSnapshot().mutate({ id: 'b-1' });
  assert.equal(call, mutation.calls[0]);
  let s = store.getSnapshot();
  assert.equal(notified, 1);
  assert.equal(s.isPending, true);
  assert.equal(s.call, call);
  assert.deepEqual(s.progress, { attempt: 1, maxRetries: 4 });

  call.set('pending', { attempt: 2 });
  assert.equal(notified, 2);
  assert.deepEqual(store.getSnapshot().progress, { attempt: 2, maxRetries: 4 });

  call.set('success', { data: { id: 'b-1', confirmations: 1 } });
  s = store.getSnapshot();
  assert.equal(notified, 3);
  assert.equal(s.isSuccess, true);
  assert.equal(s.isPending, false);
  assert.deepEqual(s.data, { id: 'b-1', confirmations: 1 });
  assert.equal(s, store.getSnapshot(), 'stable while nothing changes');
});

test('an error and a dead letter carry the problem as error', () => {
  const store = createMutationStore(fakeMutation());
  const problem = { title: 'Unprocessable Content', status: 422 };
  store.mutate({ id: 'x' }).set('error', { problem });
  assert.equal(store.getSnapshot().isError, true);
  assert.equal(store.getSnapshot().error, problem);
  store.mutate({ id: 'y' }).set('dead', { problem });
  assert.equal(store.getSnapshot().isError, true);
  assert.equal(store.getSnapshot().state.status, 'dead');
});

test('equal variables in flight join the call; a newer call replaces the older in the view', () => {
  const mutation = fakeMutation();
  const store = createMutationStore(mutation);
  let notified = 0;
  store.subscribe(() => notified++);
  const a = store.mutate({ id: 1 });
  assert.equal(store.mutate({ id: 1 }), a, 'joined');
  assert.equal(notified, 1, 'joining changes nothing');
  assert.equal(a.listenerCount(), 1, 'subscribed once');
  const b = store.mutate({ id: 2 });
  assert.notEqual(a, b);
  assert.equal(a.listenerCount(), 0, 'the older call is no longer followed');
  a.set('error', { problem: { title: 'late' } });
  assert.equal(store.getSnapshot().call, b);
  assert.equal(store.getSnapshot().isPending, true, 'the older call does not show');
});

test('reset shows idle and stops following the call; unsubscribe stops notifications', () => {
  const store = createMutationStore(fakeMutation());
  let notified = 0;
  const unsubscribe = store.subscribe(() => notified++);
  const call = store.mutate({});
  store.reset();
  assert.equal(store.getSnapshot().state.status, 'idle');
  assert.equal(call.listenerCount(), 0);
  unsubscribe();
  store.mutate({ again: true });
  assert.equal(notified, 2);
});

test('queued is neither pending nor an error', () => {
  const r = mutationResult({ status: 'queued', attempt: 3, maxAttempts: 3 }, null, () => {}, () => {});
  assert.equal(r.isQueued, true);
  assert.equal(r.isPending, false);
  assert.equal(r.isError, false);
  assert.deepEqual(r.progress, { attempt: 3, maxRetries: 3 });
});

test('server rendering: the hook is idle and SyncButton renders the idle button with its label', () => {
  const mutation = fakeMutation();
  function Probe() {
    const m = useSyncMutation(mutation);
    return createElement('p', { 'data-status': m.state.status }, `pending=${m.isPending} attempt=${m.progress.attempt}`);
  }
  assert.equal(renderToString(createElement(Probe)), '<p data-status="idle">pending=false attempt=0</p>');

  const html = renderToString(createElement(SyncButton, { mutation, variables: { id: 1 }, loadingText: 'Saving…',
    progress: true, confirm: 'Sure?', id: 'save' }, 'Save'));
  assert.match(html, /<button type="button" id="save" data-state="idle" aria-busy="false"/);
  assert.doesNotMatch(html, /disabled/);
  assert.match(html, /<span class="sync-button-label">Save<\/span><\/button>/);
  assert.match(html, /role="status" aria-live="polite"/);
  assert.match(html, /<dialog class="sync-button-dialog"><form method="dialog"><p>Sure\?<\/p>/);
  assert.equal(mutation.calls.length, 0, 'rendering sends nothing');
});

test('server rendering of SyncButton while its mutation already has a call in flight is still idle', () => {
  // useSyncExternalStore's server snapshot is the store's first: a fresh hook shows idle.
  const mutation = fakeMutation();
  mutation.mutate({ id: 1 });
  const html = renderToString(createElement(SyncButton, { mutation, variables: { id: 1 } }, 'Save'));
  assert.match(html, /data-state="idle"/);
});
