// Test doubles for sync-web's node tests: a scripted fetch, a Web Locks fake shared by "pages",
// an EventSource fake, and a way to let promises settle between fake-timer ticks.
import { mock } from 'node:test';

export const T0 = 1_700_000_000_000;

/** Turns on node:test's fake setTimeout and Date at T0; call mock.timers.reset() after. */
export function fakeTime() {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 });
}

/** Lets pending promise callbacks (and the fake IndexedDB's) run. */
export async function flush(rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** Moves fake time forward by `ms` in steps, settling promises after each. */
export async function advance(ms, step = 100) {
  await flush();
  for (let done = 0; done < ms; done += step) {
    mock.timers.tick(Math.min(step, ms - done));
    await flush();
  }
}

const json = (status, body, headers = {}) => new Response(body == null ? null : JSON.stringify(body),
  { status, headers: { 'Content-Type': 'application/json', ...headers } });
export const answer = {
  ok: (body = { ok: true }, headers = {}) => () => json(200, body, headers),
  status: (status, headers = {}) => () => new Response('', { status, headers }),
  problem: (status, problem, headers = {}) => () => new Response(JSON.stringify({ status, ...problem }),
    { status, headers: { 'Content-Type': 'application/problem+json', ...headers } }),
  network: () => () => { throw new TypeError('fetch failed'); },
  /** Never answers; rejects when the request is aborted. */
  hang: () => (_, init) => new Promise((_, reject) => init.signal.addEventListener('abort',
    () => reject(new DOMException('aborted', 'AbortError')))),
};

/**
 * A fetch that answers from `script` in order (then `fallback`), recording each request as
 * { url, method, key, headers, body }.
 */
export function scriptedFetch(script = [], fallback = answer.ok()) {
  const requests = [];
  const fetch = async (url, init) => {
    const headers = Object.fromEntries(Object.entries(init.headers).map(([k, v]) => [k.toLowerCase(), v]));
    requests.push({ url, method: init.method, key: headers['idempotency-key'], headers, body: init.body ?? null });
    const respond = script.length ? script.shift() : fallback;
    return respond(url, init);
  };
  return { fetch, requests, script };
}

/** Web Locks shared by several pages: exclusive locks, ifAvailable, query(); a page can "die". */
export function lockManager() {
  const held = new Map(); // name → page
  const waiters = [];
  const grant = () => {
    for (const w of [...waiters]) {
      if (!held.has(w.name)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.go();
      }
    }
  };
  return {
    held,
    page(id = Symbol('page')) {
      const mine = new Set();
      return {
        async request(name, options, callback) {
          if (typeof options === 'function') { callback = options; options = {}; }
          if (held.has(name)) {
            if (options.ifAvailable) return callback(null);
            await new Promise((go) => waiters.push({ name, go }));
          }
          held.set(name, id);
          mine.add(name);
          try {
            return await callback({ name });
          } finally {
            if (held.get(name) === id) { held.delete(name); mine.delete(name); grant(); }
          }
        },
        async query() {
          return { held: [...held.keys()].map((name) => ({ name })) };
        },
        /** The page went away: its locks are released (the browser does this on unload). */
        die() {
          for (const name of mine) held.delete(name);
          mine.clear();
          grant();
        },
      };
    },
  };
}

/** An EventSource fake: records instances; `emit(type, data, id)` dispatches like the browser. */
export class FakeEventSource {
  static instances = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.listeners = new Map();
    FakeEventSource.instances.push(this);
  }
  addEventListener(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(fn);
  }
  emit(type, data, id) {
    for (const fn of this.listeners.get(type) ?? []) fn({ data: JSON.stringify(data), lastEventId: id ?? '' });
  }
  open() { this.readyState = 1; this.onopen?.(); }
  close() { this.readyState = 2; this.closed = true; }
}

/** A Storage fake (localStorage). */
export function memoryStorage() {
  const m = new Map();
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k), map: m };
}
