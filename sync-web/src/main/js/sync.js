// Closed Loop Sync for web pages. One idempotency key per click, sent with every attempt and
// every replay; the Java client's retry rules; a durable offline queue in IndexedDB; change
// events over Server-Sent Events that confirm a call when the server's event carries its key.
// Plain ES module, no dependencies. Types: sync.d.ts.
import { newKey } from './key.js';
import { RETRY_DEFAULTS, decide } from './rules.js';
import { sendOnce, SyncError, PROBLEMS } from './http.js';
import { OfflineQueue, report, replayDelayMs } from './queue.js';
import { QueueFullError } from './idb.js';
import { Realtime, keyDigest } from './realtime.js';

export { SyncError, PROBLEMS, QueueFullError, keyDigest, newKey };
export { isRetryableStatus, parseRetryAfter } from './rules.js';
export { memoryStore, idbStore } from './idb.js';

const PRIORITIES = { high: 0, normal: 1, low: 2 };
const IN_FLIGHT = new Set(['pending', 'queued']);

/** The platform, overridable piece by piece (tests pass fake timers, fetch, locks, storage). */
function environment(env = {}) {
  const g = globalThis;
  return {
    fetch: (...a) => g.fetch(...a),
    setTimeout: (f, ms) => g.setTimeout(f, ms),
    clearTimeout: (t) => g.clearTimeout(t),
    now: () => Date.now(),
    random: () => Math.random(),
    locks: g.navigator?.locks,
    indexedDB: g.indexedDB,
    onLine: () => g.navigator?.onLine,
    events: typeof g.addEventListener === 'function' ? g : null,
    // per tab and surviving a reload: a tab resumes where it was (tabs share localStorage)
    storage: (() => { try { return g.sessionStorage; } catch { return undefined; } })(),
    EventSource: g.EventSource,
    ...env,
  };
}

/** Variables as a string equal for equal values (object keys sorted), for deduplication. */
function identity(value) {
  return JSON.stringify(value, (_, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v)) ?? 'undefined';
}

/**
 * One call of a mutation: its key, its state, its result. Created by `mutation.mutate(vars)`.
 * States: pending (attempt n of maxAttempts) → success | error | queued; queued → success | dead
 * | error (cancelled).
 */
class Call {
  constructor(mutation, vars) {
    this.key = newKey(mutation.client.env.now());
    this.vars = vars;
    this.listeners = new Set();
    this.state = Object.freeze({ status: 'pending', attempt: 1, maxAttempts: mutation.client.retry.maxAttempts,
      data: undefined, problem: undefined });
    this.cancelled = new AbortController();
    this.result = new Promise((resolve, reject) => { this.resolve = resolve; this.reject = reject; });
    this.confirmed = new Promise((resolve, reject) => { this.confirm = resolve; this.unconfirm = reject; });
    this.result.catch(() => {}); // a page that never reads it must not see "unhandled rejection"
    this.confirmed.catch(() => {});
  }

  /** Calls `listener(state)` on each change of state; returns the function that stops it. */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /**
   * Stops the call: no further attempt or replay, its queued item removed, state `error` with the
   * problem type `cancelled`. A request already on the wire may still be applied by the server.
   */
  cancel() {
    if (!IN_FLIGHT.has(this.state.status)) return;
    this.cancelled.abort();
    this.finish?.({ ok: false, problem: { type: PROBLEMS.cancelled, title: 'Cancelled' }, cancelled: true });
  }

  set(patch) {
    this.state = Object.freeze({ ...this.state, ...patch });
    for (const l of [...this.listeners]) {
      try { l(this.state); } catch (e) { report(e); }
    }
  }
}

class Mutation {
  constructor(client, name, options) {
    if (typeof name !== 'string' || name === '') throw new TypeError('name must be a non-empty string');
    if (options?.url == null) throw new TypeError('url cannot be null');
    const priority = options.priority ?? 'normal';
    if (!(priority in PRIORITIES)) throw new TypeError(`priority must be 'high', 'normal' or 'low': ${priority}`);
    this.client = client;
    this.name = name;
    this.options = { method: 'POST', ...options, priority };
    this.inFlight = new Map(); // identity of the variables → call
    this.listeners = new Set();
    this.state = Object.freeze({ status: 'idle', attempt: 0, maxAttempts: client.retry.maxAttempts,
      data: undefined, problem: undefined });
  }

  /**
   * Starts a call, or returns the call in flight (pending or queued) for equal variables.
   * @returns {Call}
   */
  mutate(vars) {
    const id = identity(vars);
    const existing = this.inFlight.get(id);
    if (existing) return existing;
    const call = new Call(this, vars);
    this.inFlight.set(id, call);
    call.subscribe((state) => {
      this.state = state;
      if (!IN_FLIGHT.has(state.status)) this.inFlight.delete(id);
      for (const l of [...this.listeners]) {
        try { l(state, call); } catch (e) { report(e); }
      }
    });
    this.state = call.state;
    this.client.run(this, call);
    return call;
  }

  /** Calls `listener(state, call)` on each state change of any of its calls. */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }
}

/**
 * The browser client. Create one per page with `SyncClient.create(options)`; it is not shared
 * between pages (each page has its own, and they coordinate through IndexedDB and Web Locks).
 */
export class SyncClient {
  /** @param {import('./sync.d.ts').SyncOptions} [options] */
  static create(options = {}) {
    return new SyncClient(options);
  }

  constructor(options) {
    this.env = environment(options.env);
    this.baseUrl = options.baseUrl ?? globalThis.location?.origin;
    this.headers = options.headers;
    this.credentials = options.credentials ?? 'same-origin';
    this.retry = { ...RETRY_DEFAULTS, ...options.retry };
    if (!(this.retry.maxAttempts >= 1)) throw new RangeError(`retry.maxAttempts must be at least 1: ${this.retry.maxAttempts}`);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? null;
    this.pageId = newKey(this.env.now());
    this.calls = new Map(); // key → call, for the queue's and the stream's answers
    this.scopes = new Map(); // scope → the promise of the last live call's end in that scope
    this.realtime = new Realtime(options.realtime ?? null, this.env, this.baseUrl);
    this.offline = options.offline === false ? null : new OfflineQueue(options.offline ?? {}, this.env, {
      pageId: this.pageId, headers: this.headers, retry: this.retry, attemptTimeoutMs: this.attemptTimeoutMs,
      credentials: this.credentials, settled: (key, out) => this.calls.get(key)?.finish?.(out),
    });
    const q = this.offline;
    /** The offline queue: what waits, what died, and a way to empty it. */
    this.queue = {
      pending: () => (q ? q.pending() : Promise.resolve([])),
      dead: () => (q ? q.dead() : Promise.resolve([])),
      clear: async () => {
        if (!q) return;
        await q.clear();
        for (const call of this.calls.values()) if (call.state.status === 'queued') call.cancel();
      },
      subscribe: (listener) => (q ? q.subscribe(listener) : () => {}),
    };
    if (q) {
      q.hold();
      this.env.events?.addEventListener('online', () => q.replay());
      q.replay();
    }
  }

  /**
   * Declares a mutation. `url` and `body` may be functions of the variables; `scope(vars)` orders
   * calls within a scope; `priority` orders replays; `optimistic(vars)` returns its rollback.
   */
  mutation(name, options) {
    return new Mutation(this, name, options);
  }

  /** Replays the offline queue now; resolves when the round is over. */
  syncNow() {
    return this.offline ? this.offline.replay() : Promise.resolve();
  }

  /** Subscribes to change events of `topics`; returns the function that unsubscribes. */
  subscribe(topics, handlers) {
    return this.realtime.subscribe(topics, handlers);
  }

  /** The newest event seen for (topic, entity key), or undefined. */
  latest(topic, key) {
    return this.realtime.latest(topic, key);
  }

  /** Resolves with the first event of `topic` matching `predicate`, rejects after `timeoutMs`. */
  awaitChange(topic, predicate, timeoutMs) {
    return this.realtime.awaitChange(topic, predicate, timeoutMs);
  }

  /** Stops the stream and the timers (tests, single-page apps tearing a client down). */
  close() {
    this.realtime.close();
  }

  request(mutation, call) {
    const o = mutation.options;
    const v = call.vars;
    const url = new URL(typeof o.url === 'function' ? o.url(v) : o.url, this.baseUrl).href;
    const bodyValue = 'body' in o ? (typeof o.body === 'function' ? o.body(v) : o.body) : v;
    const body = bodyValue === undefined || /^(GET|HEAD)$/i.test(o.method) ? null
      : typeof bodyValue === 'string' ? bodyValue : JSON.stringify(bodyValue);
    return { key: call.key, method: o.method.toUpperCase(), url, body, headers: { ...o.headers } };
  }

  /** Runs a call: write it to the queue, wait for its scope, attempt with retries, settle. */
  async run(mutation, call) {
    const env = this.env;
    const o = mutation.options;
    const start = env.now();
    const max = this.retry.maxAttempts;
    let request;
    let scope;
    let rollback;
    let item = null;
    let settledResolve;
    const ended = new Promise((r) => { settledResolve = r; });
    this.calls.set(call.key, call);
    this.realtime.watch(call);

    call.finish = (out) => { // the one way a call ends or goes to the queue; idempotent once final
      if (!IN_FLIGHT.has(call.state.status)) return;
      if (out.queued) {
        call.set({ status: 'queued', problem: out.problem });
        settledResolve();
        return;
      }
      this.calls.delete(call.key);
      settledResolve();
      if (out.ok) {
        call.set({ status: 'success', data: out.data, problem: undefined, replayed: out.replayed });
        call.resolve(out.data);
        return;
      }
      try { rollback?.(); } catch (e) { report(e); }
      const error = new SyncError(out.problem, call.key, call.state.attempt);
      call.set({ status: out.dead ? 'dead' : 'error', problem: out.problem });
      call.reject(error);
      call.unconfirm(error);
      if (out.cancelled && item) this.offline.remove(call.key).catch(report);
    };

    try {
      request = this.request(mutation, call);
      scope = o.scope ? o.scope(call.vars) ?? null : null;
      call.scope = scope;
      rollback = o.optimistic?.(call.vars);
    } catch (e) {
      call.finish({ ok: false, problem: { type: 'about:blank', title: 'Bad request', detail: e?.message ?? String(e) } });
      return;
    }
    const previous = scope != null ? this.scopes.get(scope) : undefined;
    if (scope != null) this.scopes.set(scope, ended);

    if (this.offline) {
      try {
        item = await this.offline.write({ name: mutation.name, scope, priority: PRIORITIES[o.priority] }, request,
          start + this.timeoutMs + 10_000);
      } catch (e) {
        const full = e instanceof QueueFullError;
        call.finish({ ok: false, problem: { type: full ? PROBLEMS.queueFull : 'about:blank',
          title: full ? 'Offline queue full' : 'Offline queue unavailable', detail: e.message } });
        return;
      }
      if (!IN_FLIGHT.has(call.state.status)) { // cancelled while being written
        await this.offline.remove(call.key);
        return;
      }
    }
    await previous;
    if (!IN_FLIGHT.has(call.state.status)) return;

    const toQueue = async (problem, nextAt) => {
      await this.offline.release(item, nextAt, problem);
      call.finish({ queued: true, problem });
    };
    if (this.offline && (env.onLine() === false || await this.offline.blocked(scope, call.key))) {
      await toQueue(undefined, 0);
      return;
    }

    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) call.set({ attempt, nextRetryAt: undefined });
      if (item) await this.offline.attempted(item);
      const left = start + this.timeoutMs - env.now();
      const timeout = this.attemptTimeoutMs == null ? left : Math.min(this.attemptTimeoutMs, left);
      let out;
      try {
        out = await sendOnce(env, request, this.headers, timeout, call.cancelled.signal, this.credentials);
      } catch {
        return; // cancelled: finish already ran
      }
      if (!IN_FLIGHT.has(call.state.status)) return;
      if (out.ok) {
        if (item) await this.offline.remove(call.key);
        call.finish(out);
        return;
      }
      const d = decide({ attempt, maxAttempts: max, retryable: out.retryable, hintMs: out.hintMs,
        elapsedMs: env.now() - start, deadlineMs: this.timeoutMs, draw: env.random(), retry: this.retry });
      if (d.retry) {
        call.set({ problem: out.problem, nextRetryAt: env.now() + d.delayMs });
        const slept = await sleep(env, d.delayMs, call.cancelled.signal);
        if (!slept || !IN_FLIGHT.has(call.state.status)) return;
        continue;
      }
      if (!out.retryable) {
        if (item) await this.offline.remove(call.key); // the server answered: nothing to replay
        call.finish(out);
        return;
      }
      if (item) {
        const wait = Math.max(out.hintMs ?? 0, replayDelayMs(attempt, this.retry, env.random()));
        await toQueue(out.problem, env.now() + wait);
      } else {
        call.finish(out);
      }
      return;
    }
  }
}

function sleep(env, ms, signal) {
  return new Promise((resolve) => {
    if (signal.aborted) { resolve(false); return; }
    const onAbort = () => { env.clearTimeout(t); resolve(false); };
    const t = env.setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(true); }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
