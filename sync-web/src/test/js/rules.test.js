import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isRetryableStatus, parseRetryAfter, backoffMs, jitteredDelayMs, nextDelayMs, RETRY_DEFAULTS,
  PROBLEM_KEY_IN_USE, MAX_HINT_MS } from '../../main/js/rules.js';

// One table for both clients: sync-client's SharedRetryTableTest reads it too.
const TABLE = JSON.parse(readFileSync(new URL('../resources/retry-table.json', import.meta.url), 'utf8'));

test('every row of the table shared with the Java client', () => {
  assert.equal(TABLE.keyInUse, PROBLEM_KEY_IN_USE);
  assert.ok(TABLE.rows.length > 20);
  for (const [status, problemType, hasRetryAfter, retried] of TABLE.rows) {
    assert.equal(isRetryableStatus(status, problemType, hasRetryAfter), retried, JSON.stringify([status, problemType, hasRetryAfter]));
  }
});

// The table of sync-client's SyncMutation Javadoc (Classifier.isRetryableStatus), row by row.
test('statuses are classified as the Java client classifies them', () => {
  for (const s of [408, 425, 429, 500, 502, 503, 504]) assert.equal(isRetryableStatus(s, null, false), true, `${s}`);
  for (const s of [200, 400, 401, 403, 404, 410, 422, 501, 505, 599]) assert.equal(isRetryableStatus(s, null, false), false, `${s}`);
  assert.equal(isRetryableStatus(409, PROBLEM_KEY_IN_USE, false), true, '409 key in use');
  assert.equal(isRetryableStatus(409, 'https://closedloop.dev/problems/idempotency-key-reused', true), false, 'other 409');
  assert.equal(isRetryableStatus(409, null, true), true, '409 without a problem, with Retry-After');
  assert.equal(isRetryableStatus(409, null, false), false, '409 without a problem or Retry-After');
});

test('Retry-After is read as seconds or as any of the three HTTP-date forms', () => {
  const now = Date.parse('2026-10-21T07:27:00Z');
  assert.equal(parseRetryAfter('120', now), 120_000);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  assert.equal(parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', now), 60_000);
  assert.equal(parseRetryAfter('Wednesday, 21-Oct-26 07:28:00 GMT', now), 60_000);
  assert.equal(parseRetryAfter('Wed Oct 21 07:28:00 2026', now), 60_000);
  assert.equal(parseRetryAfter('Wed, 21 Oct 2026 07:00:00 GMT', now), 0, 'a past date is now');
  assert.equal(parseRetryAfter('99999999999999', now), MAX_HINT_MS);
  assert.equal(parseRetryAfter('172800', now), MAX_HINT_MS, 'capped to a day');
  for (const bad of [null, undefined, '', 'soon', '-5', '1.5', 'Wed, 99 Foo 2026']) assert.equal(parseRetryAfter(bad, now), null, `${bad}`);
});

test('full jitter draws below the capped exponential backoff, at draws 0, 0.5 and almost 1', () => {
  const r = RETRY_DEFAULTS;
  assert.deepEqual([1, 2, 3, 5, 6, 40].map((a) => backoffMs(a, r)), [1000, 2000, 4000, 16000, 30000, 30000]);
  assert.equal(jitteredDelayMs(3, r, 0), 0);
  assert.equal(jitteredDelayMs(3, r, 0.5), 2000);
  assert.equal(jitteredDelayMs(3, r, 0.999999), 3999);
  assert.equal(jitteredDelayMs(9, r, 0.5), 15000, 'jitter survives at the cap');
});

test('the next delay follows RetryPolicy.decide: last attempt, then hint against the deadline', () => {
  const r = RETRY_DEFAULTS;
  assert.equal(nextDelayMs(3, 3, null, 0.5, r, 30000), null, 'the last attempt');
  assert.equal(nextDelayMs(1, 3, null, 0.5, r, 30000), 500);
  assert.equal(nextDelayMs(1, 3, 5000, 0.5, r, 30000), 5000);
  assert.equal(nextDelayMs(1, 3, 100, 0.5, r, 30000), 500, 'a smaller hint does not shorten the backoff');
  assert.equal(nextDelayMs(1, 3, 31000, 0.5, r, 30000), null, 'a hint beyond the deadline');
  assert.equal(nextDelayMs(1, 3, null, 0.5, r, 400), null, 'a backoff that reaches the deadline');
  assert.equal(nextDelayMs(1, 3, null, 0.5, r, 501), 500);
  assert.equal(nextDelayMs(1, 3, 10_000_000, 0.5, r), 10_000_000, 'no deadline');
});
