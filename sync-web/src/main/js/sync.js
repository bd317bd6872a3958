// Closed Loop Sync for web pages. One idempotency key per click, sent with every attempt and
// every replay; the Java client's retry rules; a durable offline queue in IndexedDB; change
// events over Server-Sent Events that confirm a call when the server's event carries its key.
// Plain ES module, no dependencies. Types: sync.d.ts.
import { newKey } from './key.js';
import { RETRY_DEFAULTS, nextDelayMs } from './rules.js';
import { sendOnce, SyncError, PROBLEMS, problem } from './http.js';
import { offlineQueue, QueueFullError, PRIORITIES } from './queue.js';
import { realtime, keyDigest } from './realtime.js';
import { listen, notify, report } from './listeners.js';

export { SyncError, PROBLEMS, QueueFullError, keyDigest, newKey };
export { isRetryableStatus, parseRetryAfter } from './rules.js';
export { memoryStore, idbStore } from './idb.js';

/** Variables as a string equal for equal values (object keys sorted), for deduplication. */
function identity(value) {
  return JSON.stringify(value, (_, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v)) ?? 'undefined';
}

const state = (status, attempt, maxAttempts) =>
  Object.freeze({ status, attempt, maxAttempts, data: undefined, problem: undefined });

/**
 * The browser client. Create one per page with `SyncClient.create(options)`; it is not shared
 * between pages (each page has its own, and they coordinate through IndexedDB and Web Locks).
 */
export class SyncClient {
  /** @param {import('./sync.d.ts').SyncOptions} [options] */
  static create(options = {}) {
    return new SyncClient(options);
  }

  constructor({ baseUrl = globalThis.location?.origin, headers, credentials = 'same-origin', retry,
    timeoutMs = 30_000, attemptTimeoutMs = null, offline, realtime: stream = null, env: overrides } = {}) {
    const g = globalThis;
    let storage; // per tab, surviving a reload: a tab resumes its stream where it was
    try { storage = g.sessionStorage; } catch { /* storage blocked: no cursor kept */ }
    // the platform, replaceable piece by piece (tests pass fake timers, fetch, locks, storage)
    const env = { fetch: (...a) => fetch(...a), setTimeout: (f, ms) => setTimeout(f, ms),
      clearTimeout: (t) => clearTimeout(t), now: () => Date.now(), random: () => Math.random(),
      locks: g.navigator?.locks, indexedDB: g.indexedDB, onLine: () => g.navigator?.onLine,
      events: g.addEventListener ? g : null, storage, EventSource: g.EventSource, ...overrides };
    retry = { ...RETRY_DEFAULTS, ...retry };
    if (!(retry.maxAttempts >= 1)) throw new RangeError(`retry.maxAttempts must be at least 1: ${retry.maxAttempts}`);
    const pageId = newKey(env.now());
    const calls = new Map(); // key → finish(outcome) of this page's live and queued calls
    const scopes = new Map(); // scope → the promise of its last live call's end (or queueing)
    const events = realtime(stream, env, baseUrl);
    const send = (request, timeout, signal) => sendOnce(env, request, headers, timeout, signal, credentials);
    const q = offline === false ? null : offlineQueue(offline, env, { pageId, retry,
      send: (item) => send(item, attemptTimeoutMs), settled: (key, out) => calls.get(key)?.(out) });
    const onOnline = () => q.replay();
    if (q) {
      env.events?.addEventListener('online', onOnline);
      q.replay();
    }

    /**
     * Starts a call of `mutation`: write it to the queue, wait for its scope, attempt with retries,
     * settle. `listeners` are the mutation's; `onEnd()` runs once the call is final.
     */
    const start = (mutation, options, vars, listeners, onEnd) => {
      const { method, scope, optimistic } = options;
      const key = newKey(env.now());
      const begun = env.now();
      const own = new Set();
      const cancelled = new AbortController();
      let resolve, reject, confirm, unconfirm, rollback, item, forget, ended, done;
      const call = {
        key,
        vars,
        state: state('pending', 1, retry.maxAttempts),
        result: new Promise((y, n) => { resolve = y; reject = n; }),
        confirmed: new Promise((y, n) => { confirm = y; unconfirm = n; }),
        /** Calls `listener(state)` on each change of state; returns the function that stops it. */
        subscribe: (listener) => listen(own, listener),
        /**
         * Stops the call: no further attempt or replay, its queued item removed, state `error` with
         * the problem type `cancelled`. A request already on the wire may still be applied.
         */
        cancel() {
          if (done) return;
          cancelled.abort();
          finish({ problem: problem('cancelled', 'Cancelled'), cancelled: true });
        },
      };
      call.result.catch(() => {}); // a page that never reads them must not see "unhandled rejection"
      call.confirmed.catch(() => {});
      const set = (patch) => {
        call.state = mutation.state = Object.freeze({ ...call.state, ...patch });
        if (done) onEnd();
        notify(listeners, call.state, call);
        notify(own, call.state);
      };
      // the one way a call goes to the queue or ends; nothing after the end
      const finish = (out) => {
        if (done) return;
        ended?.();
        if (out.queued) return set({ status: 'queued', problem: out.problem });
        done = true;
        calls.delete(key);
        if (out.ok) {
          set({ status: 'success', data: out.data, problem: undefined, replayed: out.replayed });
          return resolve(out.data);
        }
        try { rollback?.(); } catch (e) { report(e); }
        const error = new SyncError(out.problem, key, call.state.attempt);
        set({ status: out.dead ? 'dead' : 'error', problem: out.problem });
        reject(error);
        unconfirm(error);
        forget?.();
        if (out.cancelled && item) q.remove(key).catch(report);
      };
      const sleep = (ms) => new Promise((wake) => {
        const t = env.setTimeout(wake, ms);
        cancelled.signal.addEventListener('abort', () => { env.clearTimeout(t); wake(); });
      });
      const toQueue = async (why, nextAt) => {
        await q.release(item, nextAt, why);
        finish({ queued: true, problem: why });
      };
      calls.set(key, finish);

      (async () => {
        let request, scopeName;
        try {
          const value = (x) => (typeof x === 'function' ? x(vars) : x);
          const body = 'body' in options ? value(options.body) : vars;
          request = { key, method, url: new URL(value(options.url), baseUrl).href, headers: { ...options.headers },
            body: body === undefined || /^(GET|HEAD)$/.test(method) ? null : typeof body === 'string' ? body : JSON.stringify(body) };
          scopeName = scope?.(vars) ?? null;
          rollback = optimistic?.(vars);
        } catch (e) {
          return finish({ problem: problem('about:blank', 'Bad request', e.message) });
        }
        const previous = scopes.get(scopeName);
        if (scopeName != null) scopes.set(scopeName, new Promise((r) => { ended = r; }));
        forget = await events.watch(key, confirm).catch(report); // no digest (no crypto.subtle): no confirmation
        if (q) {
          try {
            item = await q.write(request, mutation.name, scopeName, PRIORITIES.indexOf(options.priority),
              begun + timeoutMs + 10_000);
          } catch (e) {
            return finish({ problem: problem(e instanceof QueueFullError ? 'queueFull' : 'about:blank', 'Not stored', e.message) });
          }
          if (done) return q.remove(key); // cancelled while being written
        }
        await previous;
        if (done) return;
        if (q && (env.onLine() === false || await q.blocked(scopeName))) return toQueue(undefined, 0);

        for (let attempt = 1; ; attempt++) {
          if (attempt > 1) set({ attempt, nextRetryAt: undefined });
          if (item) {
            item.attempts++; // so a reload knows how many were spent
            await q.update(item);
          }
          const left = begun + timeoutMs - env.now();
          const out = await send(request, Math.min(attemptTimeoutMs ?? left, left), cancelled.signal);
          if (done) return;
          if (out.ok || !out.retryable) { // the server answered: nothing to replay
            if (item) await q.remove(key);
            return finish(out);
          }
          const delay = nextDelayMs(attempt, retry.maxAttempts, out.hintMs, env.random(), retry,
            begun + timeoutMs - env.now());
          if (delay == null) {
            return item ? toQueue(out.problem, env.now() + nextDelayMs(attempt, Infinity, out.hintMs, env.random(), retry))
              : finish(out);
          }
          set({ problem: out.problem, nextRetryAt: env.now() + delay });
          await sleep(delay);
          if (done) return;
        }
      })().catch(report); // the store failed under a live call: what it wrote waits for a replay
      return call;
    };

    /** The offline queue: what waits, what died, and a way to empty it (with `offline: false`, none). */
    this.queue = q?.view ?? { pending: async () => [], dead: async () => [], clear: async () => {}, subscribe: () => () => {} };
    this.pageId = pageId;
    this.subscribe = events.subscribe;
    this.latest = events.latest;
    this.awaitChange = events.awaitChange;

    /** Replays the offline queue now; resolves when the round is over. */
    this.syncNow = async () => { await q?.replay(); };

    /**
     * Closes the stream and stops replaying from this page (tests, single-page apps tearing a
     * client down). Calls in flight go on; what they leave queued waits for another page.
     */
    this.close = () => {
      events.close();
      q?.close();
      env.events?.removeEventListener('online', onOnline);
    };

    /**
     * Declares a mutation. `url` and `body` may be functions of the variables; `scope(vars)` orders
     * calls within a scope; `priority` orders replays; `optimistic(vars)` returns its rollback.
     */
    this.mutation = (name, options = {}) => {
      if (typeof name !== 'string' || !name) throw new TypeError('name must be a non-empty string');
      if (options.url == null) throw new TypeError('url cannot be null');
      const { method = 'POST', priority = 'normal' } = options;
      if (!PRIORITIES.includes(priority)) throw new TypeError(`priority must be high, normal or low: ${priority}`);
      options = { ...options, method: method.toUpperCase(), priority };
      const inFlight = new Map(); // identity of the variables → the call pending or queued
      const listeners = new Set();
      const mutation = {
        name,
        /** The state of the latest call. */
        state: state('idle', 0, retry.maxAttempts),
        /** Calls `listener(state, call)` on each state change of any of its calls. */
        subscribe: (listener) => listen(listeners, listener),
        /** Starts a call, or returns the call in flight (pending or queued) for equal variables. */
        mutate(vars) {
          const id = identity(vars);
          if (inFlight.has(id)) return inFlight.get(id);
          const call = start(mutation, options, vars, listeners, () => inFlight.delete(id));
          if (call.state.status === 'pending') inFlight.set(id, call); // else refused at once (a bad request)
          mutation.state = call.state;
          return call;
        },
      };
      return mutation;
    };
  }
}
