// What is retried and how long to wait: the Java client's rules (sync-client's Classifier,
// sync-core's RetryPolicy, Jitters.FULL and RetryAfter), written once for the browser. Pure
// functions of their arguments: no clock, no random source of their own.

/** The idempotency filter's "a request with this key is in progress" problem type (sync-servlet). */
export const PROBLEM_KEY_IN_USE = 'https://closedloop.dev/problems/idempotency-key-in-use';

/** The seed's retry defaults, those of the Java client. */
export const RETRY_DEFAULTS = Object.freeze({ maxAttempts: 3, initialDelayMs: 1000, maxDelayMs: 30000, multiplier: 2 });

/** A Retry-After hint is capped to one day, so a broken server cannot park a call for ever. */
export const MAX_HINT_MS = 86_400_000;

/**
 * Returns true if a response with this status is worth another attempt with the same key:
 * 408, 425, 429, 500, 502, 503, 504, and a 409 whose problem type is the filter's "key in use"
 * (or, with no problem body, a 409 with Retry-After). 501 and every other status are final.
 *
 * @param {number} status
 * @param {string | null | undefined} problemType the RFC 9457 `type` of the body, if any
 * @param {boolean} hasRetryAfter whether the response carries a valid Retry-After
 */
export function isRetryableStatus(status, problemType, hasRetryAfter) {
  switch (status) {
    case 408: case 425: case 429: case 500: case 502: case 503: case 504:
      return true;
    case 409:
      return problemType == null ? hasRetryAfter : problemType === PROBLEM_KEY_IN_USE;
    default:
      return false;
  }
}

/**
 * Parses a Retry-After value (RFC 9110 §10.2.3): delta-seconds or an HTTP-date (IMF-fixdate and
 * the obsolete RFC 850 and asctime forms). A past date gives 0; hints are capped to one day.
 *
 * @param {string | null | undefined} value the header value
 * @param {number} nowMs the wall clock, in epoch milliseconds
 * @returns {number | null} the delay in milliseconds, or null when absent or malformed
 */
export function parseRetryAfter(value, nowMs) {
  if (value == null) return null;
  const v = String(value).trim();
  if (v === '') return null;
  if (/^\d+$/.test(v)) return v.length > 12 ? MAX_HINT_MS : Math.min(Number(v) * 1000, MAX_HINT_MS);
  if (!/^[A-Za-z]{3}/.test(v) || !/\d{2}:\d{2}:\d{2}/.test(v)) return null;
  const asctime = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/.test(v);
  const at = Date.parse(asctime ? `${v} GMT` : v);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - nowMs), MAX_HINT_MS);
}

/**
 * The capped exponential backoff before attempt `attempt + 1`, before jitter:
 * min(maxDelayMs, initialDelayMs × multiplier^(attempt − 1)).
 */
export function backoffMs(attempt, retry) {
  const grown = retry.initialDelayMs * retry.multiplier ** (attempt - 1);
  return grown >= retry.maxDelayMs ? retry.maxDelayMs : grown;
}

/** Full jitter (Jitters.FULL): a uniform draw in [0, 1) times the capped backoff, floored. */
export function jitteredDelayMs(attempt, retry, draw) {
  return Math.floor(draw * backoffMs(attempt, retry));
}

/**
 * The decision after a failed attempt, in RetryPolicy.decide's order: a final failure stops; the
 * last attempt stops; else the delay is max(hint, jittered backoff), and a delay that reaches the
 * deadline stops (`'hint-beyond-deadline'` when the hint set it); otherwise retry after it.
 *
 * @param {{ attempt: number, maxAttempts: number, retryable: boolean, hintMs: number | null,
 *   elapsedMs: number, deadlineMs: number, draw: number, retry: object }} a
 * @returns {{ retry: true, delayMs: number } | { retry: false, reason: 'not-retryable' |
 *   'attempts-exhausted' | 'deadline' | 'hint-beyond-deadline' }}
 */
export function decide({ attempt, maxAttempts, retryable, hintMs, elapsedMs, deadlineMs, draw, retry }) {
  if (!retryable) return { retry: false, reason: 'not-retryable' };
  if (attempt >= maxAttempts) return { retry: false, reason: 'attempts-exhausted' };
  const backoff = jitteredDelayMs(attempt, retry, draw);
  const hinted = hintMs != null && hintMs > backoff;
  const delayMs = hinted ? hintMs : backoff;
  if (deadlineMs != null && delayMs >= deadlineMs - Math.max(0, elapsedMs)) {
    return { retry: false, reason: hinted ? 'hint-beyond-deadline' : 'deadline' };
  }
  return { retry: true, delayMs };
}
