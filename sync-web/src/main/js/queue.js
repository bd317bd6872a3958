// The offline queue: calls that cannot finish now wait in a store (idb.js) and are replayed with
// their own key, by priority and then in order within a scope, one page at a time.
//
// Who may send an item: the page whose live call wrote it (its `owner`) while that page lives;
// anyone's replay once the owner is gone (reloaded, closed) or let it go (the call was queued).
// A page is alive while it holds its Web Lock `closedloop-sync:page:<id>`; without Web Locks,
// until the item's `ownerUntil`. Replays run under the exclusive lock `closedloop-sync:replay`
// (without Web Locks, a lease record in the store), so two pages never send one item at once.
import { idbStore, memoryStore, ITEM_VERSION } from './idb.js';
import { sendOnce, PROBLEMS } from './http.js';
import { decide, jitteredDelayMs } from './rules.js';

export const QUEUE_DEFAULTS = Object.freeze({
  maxItems: 500, ttlMs: 7 * 86_400_000, maxAttempts: 10, secretHeaders: ['Authorization'], probeIntervalMs: 5000,
});
const PAGE_LOCK = 'closedloop-sync:page:';
const REPLAY_LOCK = 'closedloop-sync:replay';
const LEASE_MS = 30_000;

/** A public view of a stored item (no headers). */
const view = (i) => ({
  key: i.key, name: i.name, method: i.method, url: i.url, scope: i.scope,
  priority: ['high', 'normal', 'low'][i.priority], attempts: i.attempts, createdAt: i.createdAt,
  nextAt: i.nextAt, problem: i.problem, ...(i.dead ? { dead: i.dead } : {}),
});

export class OfflineQueue {
  /**
   * @param {object} options the client's `offline` options over QUEUE_DEFAULTS
   * @param {object} env fetch, setTimeout, clearTimeout, now, random, locks, onLine
   * @param {object} client pageId, headers, retry, attemptTimeoutMs, credentials, settled(key, outcome)
   */
  constructor(options, env, client) {
    this.options = { ...QUEUE_DEFAULTS, ...options };
    this.secret = new Set(this.options.secretHeaders.map((h) => h.toLowerCase()));
    this.store = this.options.store
      ?? (env.indexedDB ? idbStore({ dbName: this.options.dbName, indexedDB: env.indexedDB }) : memoryStore());
    this.env = env;
    this.client = client;
    this.listeners = new Set();
    this.timer = null;
    this.running = null;
    this.again = false;
    // Keys of this page's live calls, sending or settled: a replay round working from a snapshot
    // read before a live call removed its item must not send it again. A key leaves the set only
    // when its call goes to the queue (release), handing the item to the replays.
    this.live = new Set();
  }

  /** Writes a call's request before its first attempt, owned by this page. Rejects when full. */
  async write(call, request, ownerUntil) {
    const headers = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (!this.secret.has(name.toLowerCase())) headers[name] = value;
    }
    this.live.add(request.key);
    const item = await this.store.add({
      v: ITEM_VERSION, key: request.key, name: call.name, method: request.method, url: request.url,
      body: request.body, headers, scope: call.scope, priority: call.priority, createdAt: this.env.now(),
      attempts: 0, nextAt: 0, owner: this.client.pageId, ownerUntil, dead: null, problem: null,
    }, this.options.maxItems);
    this.changed();
    return item;
  }

  /** Records one more attempt of a live call (so a reload knows how many were spent). */
  async attempted(item) {
    item.attempts++;
    await this.store.put(item);
  }

  /** Removes an item the server answered. */
  async remove(key) {
    await this.store.remove(key);
    this.changed();
  }

  /** Lets a live call's item go to the replays, not before `nextAt`. */
  async release(item, nextAt, problem) {
    Object.assign(item, { owner: null, ownerUntil: 0, nextAt, problem });
    await this.store.put(item);
    this.live.delete(item.key);
    this.changed();
    this.schedule(Math.max(0, nextAt - this.env.now()));
  }

  /** Whether an earlier item of `scope` waits (a new call of that scope must queue behind it). */
  async blocked(scope, key) {
    if (scope == null) return false;
    return (await this.store.all()).some((i) => i.scope === scope && !i.dead && i.key !== key
      && !this.live.has(i.key));
  }

  async pending() {
    return (await this.store.all()).filter((i) => !i.dead).map(view);
  }

  async dead() {
    return (await this.store.all()).filter((i) => i.dead).map(view);
  }

  async clear() {
    await this.store.clear();
    this.changed();
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed() {
    for (const l of this.listeners) {
      try { l(); } catch (e) { report(e); }
    }
  }

  /** Runs a replay round after `delayMs` (an earlier request wins). */
  schedule(delayMs) {
    const at = this.env.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) this.env.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.env.setTimeout(() => { this.timer = null; this.replay(); }, delayMs);
  }

  /**
   * Replays what is due, unless another page is replaying (then that page does it). Resolves
   * when this round is over; a request during a round runs one more round after it.
   */
  replay() {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.exclusive(() => this.round());
        } while (this.again);
      } catch (e) {
        report(e);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  async exclusive(work) {
    const locks = this.env.locks;
    if (locks) {
      return locks.request(REPLAY_LOCK, { ifAvailable: true }, (lock) => (lock ? work() : undefined));
    }
    const me = this.client.pageId;
    if (!(await this.store.lease(REPLAY_LOCK, me, this.env.now() + LEASE_MS, this.env.now()))) {
      this.schedule(this.options.probeIntervalMs);
      return undefined;
    }
    try {
      return await work();
    } finally {
      await this.store.release(REPLAY_LOCK, me);
    }
  }

  /** Pages alive now (their page lock is held), or null without Web Locks. */
  async alivePages() {
    if (!this.env.locks) return null;
    const { held = [] } = await this.env.locks.query();
    return new Set(held.filter((l) => l.name?.startsWith(PAGE_LOCK)).map((l) => l.name.slice(PAGE_LOCK.length)));
  }

  async round() {
    if (this.env.onLine() === false) { // no use trying; probe later in case no `online` event comes
      if ((await this.store.all()).some((i) => !i.dead)) this.schedule(this.options.probeIntervalMs);
      return;
    }
    const alive = await this.alivePages();
    const ownerAlive = (i, now) => i.owner != null && (i.owner === this.client.pageId ? this.live.has(i.key)
      : alive ? alive.has(i.owner) : i.ownerUntil > now);
    for (;;) {
      const now = this.env.now();
      const items = await this.store.all();
      const heads = [];
      const seen = new Set();
      let wake = Infinity;
      for (const i of items) {
        if (i.dead) continue;
        if (now - i.createdAt >= this.options.ttlMs) {
          await this.bury(i, 'ttl', { type: PROBLEMS.deadLetter, title: 'Expired',
            detail: `not delivered within ${this.options.ttlMs} ms` });
          continue;
        }
        if (i.scope != null) {
          if (seen.has(i.scope)) continue;
          seen.add(i.scope);
        }
        if (ownerAlive(i, now)) { // another page's live call: look again later, it may go away
          if (i.owner !== this.client.pageId) wake = Math.min(wake, now + this.options.probeIntervalMs);
          continue;
        }
        if (i.nextAt > now) { wake = Math.min(wake, i.nextAt); continue; }
        heads.push(i);
      }
      heads.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
      const item = heads[0];
      if (!item) {
        if (wake < Infinity) this.schedule(wake - now);
        return;
      }
      if (!(await this.send(item))) {
        this.schedule(this.options.probeIntervalMs); // unreachable: probe again later
        return;
      }
    }
  }

  /** Replays one item; returns false when the server could not be reached. */
  async send(item) {
    const c = this.client;
    const out = await sendOnce(this.env, item, c.headers, c.attemptTimeoutMs, null, c.credentials);
    if (out.ok) {
      await this.store.remove(item.key);
      this.changed();
      c.settled(item.key, out);
      return true;
    }
    if (!out.reached) return false; // a failure to connect does not spend an attempt
    item.attempts++;
    item.problem = out.problem;
    if (!out.retryable) {
      await this.bury(item, 'refused', out.problem);
      return true;
    }
    const d = decide({ attempt: item.attempts, maxAttempts: this.options.maxAttempts, retryable: true,
      hintMs: out.hintMs, elapsedMs: 0, deadlineMs: null, draw: this.env.random(), retry: c.retry });
    if (!d.retry) {
      await this.bury(item, 'max-attempts', out.problem);
      return true;
    }
    item.nextAt = this.env.now() + d.delayMs;
    await this.store.put(item);
    this.changed();
    return true;
  }

  async bury(item, reason, problem) {
    item.dead = { reason, at: this.env.now(), problem };
    await this.store.put(item);
    this.changed();
    this.client.settled(item.key, { ok: false, dead: true, problem, attempts: item.attempts });
  }

  /** Holds this page's lock for its lifetime, so other pages know its live items are in hand. */
  hold() {
    this.env.locks?.request(PAGE_LOCK + this.client.pageId, () => new Promise(() => {}));
  }
}

/** The delay before a replay of an item queued after `attempts` attempts. */
export const replayDelayMs = (attempts, retry, draw) => jitteredDelayMs(Math.max(1, attempts), retry, draw);

export function report(e) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(e);
  else console.error(e);
}
