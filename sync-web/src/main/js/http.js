// One attempt of a request: the Idempotency-Key, the headers() of this moment, a timeout through
// AbortController, and the answer classified by rules.js. Used by live calls and by replays alike.
import { isRetryableStatus, parseRetryAfter } from './rules.js';

/** Problem types of failures the client itself observed (the server's own problems pass through). */
export const PROBLEMS = Object.freeze({
  network: 'https://closedloop.dev/sync/problems/web/network',
  timeout: 'https://closedloop.dev/sync/problems/web/timeout',
  cancelled: 'https://closedloop.dev/sync/problems/web/cancelled',
  queueFull: 'https://closedloop.dev/sync/problems/web/queue-full',
  deadLetter: 'https://closedloop.dev/sync/problems/web/dead-letter',
});

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

/** RFC 9651 sf-string of the key, as the Java client sends it. */
export const keyHeader = (key) => `"${key.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/**
 * Sends `request` once with `timeoutMs` (null: none) and returns its outcome: `{ ok: true, data,
 * status, replayed }`, or `{ ok: false, retryable, problem, hintMs, reached }` where `reached`
 * says whether an answer (or a timeout) came back. Rejects only when `cancelSignal` aborts.
 *
 * @param {object} env fetch, setTimeout, clearTimeout, now
 * @param {{ key: string, method: string, url: string, body: string | null, headers: object }} request
 * @param {() => (object | Promise<object>) | undefined} headersFn the page's headers(), called now
 */
export async function sendOnce(env, request, headersFn, timeoutMs, cancelSignal, credentials) {
  const controller = new AbortController();
  let timedOut = false;
  const onCancel = () => controller.abort();
  cancelSignal?.addEventListener('abort', onCancel);
  const timer = timeoutMs == null ? null
    : env.setTimeout(() => { timedOut = true; controller.abort(); }, Math.max(0, timeoutMs));
  try {
    const extra = headersFn ? (await headersFn()) ?? {} : {};
    const headers = { ...request.headers, ...extra, 'Idempotency-Key': keyHeader(request.key) };
    if (request.body != null && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'application/json';
    }
    const response = await env.fetch(request.url, {
      method: request.method, headers, body: request.body ?? undefined, signal: controller.signal,
      cache: 'no-store', credentials,
    });
    const text = await response.text(); // an answer cut mid-body fails here, like a lost answer
    const type = (response.headers.get('Content-Type') ?? '').toLowerCase();
    if (response.ok) {
      return { ok: true, status: response.status, data: parseBody(text, type),
        replayed: response.headers.get('Idempotent-Replayed') === 'true' };
    }
    const hintMs = parseRetryAfter(response.headers.get('Retry-After'), env.now());
    const isProblem = type.startsWith('application/problem+json');
    const body = parseBody(text, type);
    const problem = body && typeof body === 'object' && !Array.isArray(body)
      ? { ...body, title: body.title ?? `HTTP ${response.status}`, status: response.status }
      : { type: 'about:blank', title: response.statusText || `HTTP ${response.status}`, status: response.status };
    const problemType = isProblem && typeof body?.type === 'string' ? body.type : null;
    return { ok: false, reached: true, hintMs, problem,
      retryable: isRetryableStatus(response.status, problemType, hintMs != null) };
  } catch (e) {
    if (cancelSignal?.aborted) throw e;
    if (timedOut) {
      return { ok: false, reached: true, retryable: true, hintMs: null,
        problem: { type: PROBLEMS.timeout, title: 'Timed out', detail: `no answer within ${timeoutMs} ms` } };
    }
    return { ok: false, reached: false, retryable: true, hintMs: null,
      problem: { type: PROBLEMS.network, title: 'Network error', detail: e?.message ?? String(e) } };
  } finally {
    if (timer != null) env.clearTimeout(timer);
    cancelSignal?.removeEventListener('abort', onCancel);
  }
}

function parseBody(text, type) {
  if (text === '') return null;
  if (type.includes('json')) {
    try { return JSON.parse(text); } catch { return text; }
  }
  return text;
}
