// The offline queue: calls that cannot finish now wait in a store (idb.js) and are replayed with
// their own key, by priority and then in order within a scope, one page at a time.
//
// Who may send an item: the page whose live call wrote it (its `owner`) while that page lives;
// anyone's replay once the owner is gone (reloaded, closed) or let it go (the call was queued).
// A page is alive while it holds its Web Lock `closedloop-sync:page:<id>`; without Web Locks,
// until the item's `ownerUntil`. Replays run under the exclusive lock `closedloop-sync:replay`
// (without Web Locks, a lease record in the store), so two pages never send one item at once.
import { idbStore, memoryStore } from './idb.js';
import { problem } from './http.js';
import { nextDelayMs } from './rules.js';
import { listen, notify, report } from './listeners.js';

/** Stored priorities are indexes in this list, so that lower sorts first. */
export const PRIORITIES = ['high', 'normal', 'low'];
const VERSION = 1;
const PAGE_LOCK = 'closedloop-sync:page:';
const REPLAY_LOCK = 'closedloop-sync:replay';
const LEASE_MS = 30_000;

/** Refused (by write) when the queue already holds `maxItems` items; nothing stored is touched. */
export class QueueFullError extends Error {
  constructor(maxItems) {
    super(`offline queue is full (${maxItems} items)`);
    this.name = 'QueueFullError';
    this.maxItems = maxItems;
  }
}

/** A public view of a stored item: no body, no headers, no bookkeeping. */
const view = ({ v, body, headers, seq, owner, ownerUntil, priority, dead, ...item }) =>
  ({ ...item, priority: PRIORITIES[priority], ...(dead && { dead }) });

/**
 * The queue of one page.
 *
 * @param {object} options the client's `offline` options (sync.d.ts OfflineOptions)
 * @param {object} env fetch, setTimeout, clearTimeout, now, random, locks, onLine, indexedDB
 * @param {object} client pageId, retry, send(item) (one attempt, sendOnce's outcome), settled(key, outcome)
 */
export function offlineQueue({ maxItems = 500, ttlMs = 7 * 86_400_000, maxAttempts = 10, probeIntervalMs = 5000,
  secretHeaders = ['Authorization'], dbName, store } = {}, env, client) {
  store ??= env.indexedDB ? idbStore({ dbName, indexedDB: env.indexedDB }) : memoryStore();
  const secret = new Set(secretHeaders.map((h) => h.toLowerCase()));
  const me = client.pageId;
  const listeners = new Set();
  let timer, timerAt, running, again, closed, letGo;

  // a transaction that changes the items, then the listeners told
  const change = async (work) => {
    const value = await store.tx(work);
    notify(listeners);
    return value;
  };
  const list = async () => (await store.tx(async (items) => items.all()))
    .filter((i) => i.v === VERSION).sort((a, b) => a.seq - b.seq);
  const listed = (dead) => async () => (await list()).filter((i) => !i.dead === !dead).map(view);
  // rewrites an item only while it is there: one removed by another page stays removed
  const update = (item) => change(async (items) => { if (await items.get(item.key)) await items.put(item); });
  const remove = (key) => change(async (items) => items.delete(key));

  /** Runs a replay round after `ms` (an earlier request wins). */
  const schedule = (ms) => {
    const at = env.now() + ms;
    if (closed || (timer && timerAt <= at)) return;
    env.clearTimeout(timer);
    timerAt = at;
    timer = env.setTimeout(() => { timer = null; replay(); }, ms);
  };

  /**
   * Replays what is due, unless another page is replaying (then that page does it). Resolves when
   * this round is over; a request during a round runs one more round after it.
   */
  function replay() {
    if (running) {
      again = true;
      return running;
    }
    return (running = (async () => {
      do {
        again = false;
        await exclusive(round);
      } while (again);
    })().catch(report).finally(() => { running = null; }));
  }

  async function exclusive(work) {
    if (env.locks) return env.locks.request(REPLAY_LOCK, { ifAvailable: true }, (lock) => lock && work());
    // takes the lease until `until` unless another page holds it; until 0 gives it back
    const lease = (until) => store.tx(async (_, meta) => {
      const held = await meta.get(REPLAY_LOCK);
      if (held && held.holder !== me && held.until > env.now()) return false;
      await meta.put({ name: REPLAY_LOCK, holder: me, until });
      return true;
    });
    if (!(await lease(env.now() + LEASE_MS))) return schedule(probeIntervalMs);
    try {
      await work();
    } finally {
      await lease(0);
    }
  }

  /** Sends the due items one by one, the most urgent first, until none is due or the server is out of reach. */
  async function round() {
    const held = env.locks && new Set(((await env.locks.query()).held ?? []).map((l) => l.name));
    const ownerAlive = (i, now) => i.owner === me
      || (i.owner != null && (held ? held.has(PAGE_LOCK + i.owner) : i.ownerUntil > now));
    for (;;) {
      const now = env.now();
      const scopes = new Set();
      let next = null;
      let wake = Infinity;
      for (const i of await list()) { // in seq order: the first of a scope is its head
        if (i.dead) continue;
        if (now - i.createdAt >= ttlMs) {
          await bury(i, 'ttl', problem('deadLetter', 'Expired', `not sent within ${ttlMs} ms`));
          continue;
        }
        if (i.scope != null) {
          if (scopes.has(i.scope)) continue;
          scopes.add(i.scope);
        }
        if (ownerAlive(i, now)) { // a live call is sending it; another page's may go away
          if (i.owner !== me) wake = Math.min(wake, now + probeIntervalMs);
        } else if (i.nextAt > now) {
          wake = Math.min(wake, i.nextAt);
        } else if (!next || i.priority < next.priority) {
          next = i;
        }
      }
      if (!next) return wake < Infinity && schedule(wake - now);
      // offline, or no answer: probe again later (an `online` event may never come)
      if (env.onLine() === false || !(await send(next))) return schedule(probeIntervalMs);
    }
  }

  /** Replays one item; returns false when the server could not be reached (no attempt spent). */
  async function send(item) {
    const out = await client.send(item);
    if (out.ok) {
      await remove(item.key);
      client.settled(item.key, out);
    } else if (out.reached) {
      item.attempts++;
      item.problem = out.problem;
      const delay = out.retryable ? nextDelayMs(item.attempts, maxAttempts, out.hintMs, env.random(), client.retry) : null;
      if (delay == null) return bury(item, out.retryable ? 'max-attempts' : 'refused', out.problem);
      item.nextAt = env.now() + delay;
      await update(item);
    }
    return out.ok || out.reached;
  }

  async function bury(item, reason, why) {
    item.dead = { reason, at: env.now(), problem: why };
    await update(item);
    client.settled(item.key, { dead: true, problem: why });
    return true;
  }

  // this page's lock, held for its lifetime: other pages know its live items are in hand
  env.locks?.request(PAGE_LOCK + me, () => new Promise((r) => { letGo = r; }));

  return {
    replay,
    remove,
    update,

    /** The page's view of the queue (sync.d.ts OfflineQueueView), `client.queue`. */
    view: {
      pending: listed(false),
      dead: listed(true),
      subscribe: (listener) => listen(listeners, listener),
      /** Removes every item; this page's queued calls end as cancelled (its live ones go on). */
      async clear() {
        const removed = await change(async (items) => {
          const all = await items.all();
          for (const i of all) await items.delete(i.key);
          return all;
        });
        for (const i of removed) {
          if (i.owner !== me) client.settled(i.key, { problem: problem('cancelled', 'Cancelled'), cancelled: true });
        }
      },
    },

    /** Writes a live call's request before its first attempt, owned by this page. Rejects when full. */
    async write(request, name, scope, priority, ownerUntil) {
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([h]) => !secret.has(h.toLowerCase())));
      const item = { v: VERSION, ...request, headers, name, scope, priority, createdAt: env.now(), attempts: 0,
        nextAt: 0, owner: me, ownerUntil, dead: null, problem: null };
      await change(async (items, meta) => {
        if ((await items.all()).length >= maxItems) throw new QueueFullError(maxItems);
        item.seq = ((await meta.get('seq'))?.value ?? 0) + 1;
        await meta.put({ name: 'seq', value: item.seq });
        await items.put(item);
      });
      return item;
    },

    /** Lets a live call's item go to the replays, not before `nextAt`. */
    async release(item, nextAt, why) {
      Object.assign(item, { owner: null, ownerUntil: 0, nextAt, problem: why });
      await update(item);
      schedule(nextAt - env.now());
    },

    /** Whether an item of `scope` that no live call of this page sends waits (a new call queues behind it). */
    blocked: async (scope) => scope != null && (await list()).some((i) => i.scope === scope && !i.dead && i.owner !== me),

    /** Stops replaying from this page: no timer, the page lock released. */
    close() {
      closed = true;
      env.clearTimeout(timer);
      letGo?.();
    },
  };
}
