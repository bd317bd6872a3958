// One attempt of a request: the Idempotency-Key, the headers() of this moment, a timeout through
// AbortController, and the answer classified by rules.js. Used by live calls and by replays alike.
import { isRetryableStatus, parseRetryAfter } from './rules.js';

const WEB = 'https://closedloop.dev/sync/problems/web/';

/** Problem types of failures the client itself observed (the server's own problems pass through). */
export const PROBLEMS = Object.freeze({
  network: `${WEB}network`,
  timeout: `${WEB}timeout`,
  cancelled: `${WEB}cancelled`,
  queueFull: `${WEB}queue-full`,
  deadLetter: `${WEB}dead-letter`,
});

/** An RFC 9457 problem the client made: `kind` is a key of PROBLEMS, or a type URI. */
export const problem = (kind, title, detail) => ({ type: PROBLEMS[kind] ?? kind, title, detail });

/**
 * The failure of a call: `problem` is the RFC 9457 problem the server sent (or one the client
 * made for a network failure, a timeout, a cancel, a full queue, a dead letter).
 */
export class SyncError extends Error {
  constructor(problem, key, attempts) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = 'SyncError';
    this.problem = problem;
    this.status = problem.status;
    this.key = key;
    this.attempts = attempts;
  }
}

/**
 * Sends `request` once, within `timeoutMs` (null: no limit), and returns its outcome:
 * `{ ok: true, data, replayed }`, or `{ retryable, problem, hintMs, reached }` where `reached`
 * says whether an answer (or a timeout) came back. Never rejects: a `signal` that aborts gives a
 * network failure, and the caller, who aborted, knows why.
 *
 * @param {object} env fetch, setTimeout, clearTimeout, now
 * @param {{ key: string, method: string, url: string, body: string | null, headers: object }} request
 * @param {() => (object | Promise<object>) | undefined} headers the page's headers(), called now
 */
export async function sendOnce(env, request, headers, timeoutMs, signal, credentials) {
  const abort = new AbortController();
  signal?.addEventListener('abort', () => abort.abort());
  const timer = timeoutMs != null && env.setTimeout(() => abort.abort('timeout'), Math.max(0, timeoutMs));
  try {
    // the key as an RFC 9651 sf-string, as the Java client sends it (a UUID needs no escaping)
    const sent = { ...request.headers, ...(await headers?.()), 'Idempotency-Key': `"${request.key}"` };
    if (request.body != null && !Object.keys(sent).some((h) => /^content-type$/i.test(h))) {
      sent['Content-Type'] = 'application/json';
    }
    const response = await env.fetch(request.url, { method: request.method, headers: sent,
      body: request.body ?? undefined, signal: abort.signal, cache: 'no-store', credentials });
    const text = await response.text(); // an answer cut mid-body fails here, like a lost answer
    const type = response.headers.get('Content-Type') ?? '';
    let data = text || null;
    if (data && /json/i.test(type)) try { data = JSON.parse(text); } catch { /* kept as text */ }
    const status = response.status;
    if (response.ok) return { ok: true, data, replayed: response.headers.get('Idempotent-Replayed') === 'true' };
    const hintMs = parseRetryAfter(response.headers.get('Retry-After'), env.now());
    const problemType = /problem\+json/i.test(type) && typeof data?.type === 'string' ? data.type : null;
    return { reached: true, hintMs, retryable: isRetryableStatus(status, problemType, hintMs != null),
      // the server's problem (RFC 9457: no type is about:blank, whose title is the status's)
      problem: { type: 'about:blank', title: response.statusText || `HTTP ${status}`,
        ...(typeof data === 'object' && !Array.isArray(data) && data), status } };
  } catch (e) {
    const timedOut = abort.signal.reason === 'timeout';
    return { reached: timedOut, retryable: true, problem: timedOut
      ? problem('timeout', 'Timed out', `no answer within ${timeoutMs} ms`) : problem('network', 'Network error', e.message) };
  } finally {
    env.clearTimeout(timer);
  }
}
