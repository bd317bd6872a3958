import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRetryableStatus, parseRetryAfter, backoffMs, jitteredDelayMs, decide, RETRY_DEFAULTS,
  PROBLEM_KEY_IN_USE, MAX_HINT_MS } from '../../main/js/rules.js';

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

test('decisions follow RetryPolicy.decide: final, last attempt, then hint against the deadline', () => {
  const base = { attempt: 1, maxAttempts: 3, retryable: true, hintMs: null, elapsedMs: 0, deadlineMs: 30000, draw: 0.5, retry: RETRY_DEFAULTS };
  assert.deepEqual(decide({ ...base, retryable: false }), { retry: false, reason: 'not-retryable' });
  assert.deepEqual(decide({ ...base, attempt: 3 }), { retry: false, reason: 'attempts-exhausted' });
  assert.deepEqual(decide(base), { retry: true, delayMs: 500 });
  assert.deepEqual(decide({ ...base, hintMs: 5000 }), { retry: true, delayMs: 5000 });
  assert.deepEqual(decide({ ...base, hintMs: 100 }), { retry: true, delayMs: 500 }, 'a smaller hint does not shorten the backoff');
  assert.deepEqual(decide({ ...base, hintMs: 31000 }), { retry: false, reason: 'hint-beyond-deadline' });
  assert.deepEqual(decide({ ...base, elapsedMs: 29600 }), { retry: false, reason: 'deadline' });
  assert.deepEqual(decide({ ...base, deadlineMs: null, hintMs: 10_000_000 }), { retry: true, delayMs: 10_000_000 });
});
