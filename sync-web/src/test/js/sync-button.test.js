import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syncButtonView, describe, DEFAULT_SUCCESS_DURATION_MS, SyncButtonElement } from '../../main/js/sync-button.js';

const state = (status, more = {}) => ({ status, attempt: 0, maxAttempts: 3, data: undefined, problem: undefined, ...more });

test('idle (no call yet, or the idle state) keeps the own label, enabled, not busy, announces nothing', () => {
  for (const s of [null, undefined, state('idle')]) {
    assert.deepEqual(syncButtonView(s, { loadingText: 'Saving…', successText: 'Saved', progress: true }),
      { dataState: 'idle', disabled: false, busy: false, text: null, progress: '', announce: null });
  }
});

test('pending is disabled and busy, shows the loading text, and clears the live region', () => {
  const v = syncButtonView(state('pending', { attempt: 1 }), { loadingText: 'Saving…' });
  assert.deepEqual(v, { dataState: 'pending', disabled: true, busy: true, text: 'Saving…', progress: '', announce: '' });
  assert.equal(syncButtonView(state('pending', { attempt: 1 })).text, null, 'no loading-text: the own label stays');
});

test('progress shows "attempt n of m" only with the option and once an attempt started', () => {
  assert.equal(syncButtonView(state('pending', { attempt: 2, maxAttempts: 5 }), { progress: true }).progress, 'attempt 2 of 5');
  assert.equal(syncButtonView(state('pending', { attempt: 2, maxAttempts: 5 }), { progress: false }).progress, '');
  assert.equal(syncButtonView(state('pending', { attempt: 0, maxAttempts: 5 }), { progress: true }).progress, '');
  for (const s of ['idle', 'success', 'error', 'queued', 'dead']) {
    assert.equal(syncButtonView(state(s, { attempt: 2 }), { progress: true }).progress, '', s);
  }
});

test('success shows and announces the success text (or "Done"), enabled', () => {
  assert.deepEqual(syncButtonView(state('success', { attempt: 1, data: { id: 1 } }), { successText: 'Saved ✓' }),
    { dataState: 'success', disabled: false, busy: false, text: 'Saved ✓', progress: '', announce: 'Saved ✓' });
  const plain = syncButtonView(state('success'));
  assert.equal(plain.text, null);
  assert.equal(plain.announce, 'Done');
});

test('error and dead show data-state error, keep the label and announce the problem', () => {
  const problem = { type: 'about:blank', title: 'Unprocessable Content', status: 422, detail: 'booking b-9 does not exist' };
  assert.deepEqual(syncButtonView(state('error', { problem }), { loadingText: 'Saving…', successText: 'Saved' }),
    { dataState: 'error', disabled: false, busy: false, text: null, progress: '',
      announce: 'Failed: Unprocessable Content: booking b-9 does not exist' });
  const dead = syncButtonView(state('dead', { problem: { title: 'Service Unavailable', status: 503 } }));
  assert.equal(dead.dataState, 'error');
  assert.equal(dead.announce, 'Not sent: Service Unavailable');
});

test('queued is enabled, not busy, and says it will be sent later', () => {
  const v = syncButtonView(state('queued'), { loadingText: 'Saving…' });
  assert.equal(v.dataState, 'queued');
  assert.equal(v.disabled, false);
  assert.equal(v.busy, false);
  assert.equal(v.text, null);
  assert.match(v.announce, /sent when the connection is back/);
});

test('every status maps to one of the five data-state values', () => {
  const allowed = new Set(['idle', 'pending', 'success', 'error', 'queued']);
  for (const s of ['idle', 'pending', 'success', 'error', 'queued', 'dead', 'something-new']) {
    assert.ok(allowed.has(syncButtonView(state(s)).dataState), s);
  }
  assert.equal(syncButtonView(state('something-new')).dataState, 'idle');
});

test('describe makes one line of a problem, an error or a string', () => {
  assert.equal(describe({ title: 'Conflict', detail: 'in progress' }), 'Conflict: in progress');
  assert.equal(describe({ title: 'Conflict', detail: 'Conflict' }), 'Conflict');
  assert.equal(describe({ status: 500 }), 'HTTP 500');
  assert.equal(describe(new TypeError('Failed to fetch')), 'Failed to fetch');
  assert.equal(describe('offline'), 'offline');
  assert.equal(describe(undefined), 'unknown error');
});

test('the module loads without a DOM and defines nothing there', () => {
  assert.equal(typeof SyncButtonElement, 'function');
  assert.equal(DEFAULT_SUCCESS_DURATION_MS, 2000);
  assert.equal(globalThis.customElements, undefined);
});
