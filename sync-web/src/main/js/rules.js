// What is retried and how long to wait: the Java client's rules (sync-client's Classifier,
// sync-core's RetryPolicy, Jitters.FULL and RetryAfter), written once for the browser and used
// by live calls and replays alike. Pure functions: no clock, no random source of their own.

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
  const v = value?.trim();
  if (/^\d+$/.test(v)) return Math.min(v * 1000, MAX_HINT_MS);
  if (!/^[a-z]{3}.* \d\d:\d\d:\d\d /i.test(v)) return null;
  const at = Date.parse(/\d{4}$/.test(v) ? `${v} GMT` : v); // asctime has no zone: it is GMT
  return Number.isNaN(at) ? null : Math.min(Math.max(0, at - nowMs), MAX_HINT_MS);
}

/**
 * The capped exponential backoff before attempt `attempt + 1`, before jitter:
 * min(maxDelayMs, initialDelayMs × multiplier^(attempt − 1)).
 */
export function backoffMs(attempt, retry) {
  return Math.min(retry.maxDelayMs, retry.initialDelayMs * retry.multiplier ** (attempt - 1));
}

/** Full jitter (Jitters.FULL): a uniform draw in [0, 1) times the capped backoff, floored. */
export function jitteredDelayMs(attempt, retry, draw) {
  return Math.floor(draw * backoffMs(attempt, retry));
}

/**
 * The wait after retryable failure number `attempt`, in RetryPolicy.decide's order: none (null)
 * after the last attempt; else max(Retry-After hint, jittered backoff), and none if that wait
 * reaches the deadline, `leftMs` from now.
 *
 * @returns {number | null} the delay in milliseconds, or null to stop retrying
 */
export function nextDelayMs(attempt, maxAttempts, hintMs, draw, retry, leftMs = Infinity) {
  if (attempt >= maxAttempts) return null;
  const delay = Math.max(hintMs ?? 0, jitteredDelayMs(attempt, retry, draw));
  return delay < leftMs ? delay : null;
}
