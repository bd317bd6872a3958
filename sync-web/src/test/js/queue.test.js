import { test, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { SyncClient, PROBLEMS, memoryStore, idbStore, QueueFullError } from '../../main/js/sync.js';
import { fakeTime, advance, flush, answer, scriptedFetch, lockManager, T0 } from './harness.js';

beforeEach(fakeTime);

/** What `store` holds, in the queue's order. */
const stored = async (store) => (await store.tx(async (items) => items.all())).sort((a, b) => a.seq - b.seq);
afterEach(() => mock.timers.reset());

/** A page: a client over `store`, its own page of `locks`, a network whose on-line flag tests flip. */
function page({ store, locks = lockManager(), script = [], fallback, online = true, options = {}, draw = 0.5 }) {
  const net = scriptedFetch(script, fallback);
  const events = new EventTarget();
  const pageLocks = locks.page();
  const p = { net, events, online, locks: pageLocks };
  const { offline, ...rest } = options;
  p.client = SyncClient.create({ baseUrl: 'https://api.test', offline: { store, ...offline },
    env: { fetch: net.fetch, random: () => draw, locks: pageLocks, indexedDB: undefined,
      onLine: () => p.online, events, storage: undefined, EventSource: undefined },
    ...rest });
  p.goOnline = () => { p.online = true; events.dispatchEvent(new Event('online')); };
  return p;
}

test('offline, a call is stored before any attempt, shows queued, and is sent with its key when back online', async () => {
  const store = memoryStore();
  const p = page({ store, online: false });
  const m = p.client.mutation('book', { url: '/bookings', priority: 'high' });
  const calls = [1, 2, 3].map((n) => m.mutate({ n }));
  await advance(100);
  assert.deepEqual(calls.map((c) => c.state.status), ['queued', 'queued', 'queued']);
  assert.equal(p.net.requests.length, 0);
  const stored = await p.client.queue.pending();
  assert.deepEqual(stored.map((i) => i.key), calls.map((c) => c.key));
  assert.equal(stored[0].priority, 'high');

  p.goOnline();
  await advance(100);
  assert.deepEqual(calls.map((c) => c.state.status), ['success', 'success', 'success']);
  assert.deepEqual(p.net.requests.map((r) => r.key), calls.map((c) => `"${c.key}"`));
  assert.deepEqual(await p.client.queue.pending(), []);
});

test('a call in flight when its page goes away is resumed by the next page with the same key', async () => {
  const store = memoryStore();
  const locks = lockManager();
  const first = page({ store, locks, script: [answer.hang()] });
  const call = first.client.mutation('book', { url: '/bookings' }).mutate({ seat: 4 });
  await advance(100);
  assert.equal(first.net.requests.length, 1);
  assert.equal((await stored(store))[0].owner, first.client.pageId, 'written before the attempt, owned by the page');

  // the next page starts before the browser let the old one go: the old page's item is its own
  const next = page({ store, locks });
  await next.client.syncNow();
  await advance(100);
  assert.equal(next.net.requests.length, 0, 'a live page keeps its own item');
  first.locks.die(); // the browser releases the old page's locks
  await advance(5000); // the next probe
  assert.equal(next.net.requests.length, 1);
  assert.equal(next.net.requests[0].key, `"${call.key}"`);
  assert.equal(next.net.requests[0].body, '{"seat":4}');
  assert.deepEqual(await stored(store), [], 'removed once the server answered');
});

test('retries exhausted on a retryable failure queue the call; a replay finishes the same call', async () => {
  const store = memoryStore();
  const p = page({ store, script: [answer.status(503), answer.status(503), answer.status(503)] });
  const call = p.client.mutation('m', { url: '/m' }).mutate({});
  await advance(1600); // attempts at 0, 500 and 1500 (full jitter at draw 0.5)
  assert.equal(call.state.status, 'queued');
  assert.equal(call.state.problem.status, 503);
  const [item] = await p.client.queue.pending();
  assert.equal(item.attempts, 3);
  await advance(1800); // now 3400
  assert.equal(p.net.requests.length, 3, 'the replay waits for the backoff after attempt 3 (2000 ms from 1500)');
  await advance(100);
  assert.equal(call.state.status, 'success');
  assert.equal(await call.result.then(() => 'ok'), 'ok');
  assert.equal(new Set(p.net.requests.map((r) => r.key)).size, 1);
  assert.equal(p.net.requests.length, 4);
});

test('replays go by priority, then in order within a scope, one at a time per scope', async () => {
  const store = memoryStore();
  const p = page({ store, online: false });
  const m = (priority) => p.client.mutation(`m-${priority}`, { url: (v) => `/${v.id}`, scope: (v) => v.scope, priority });
  m('low').mutate({ id: 'a1', scope: 'a' });
  m('normal').mutate({ id: 'x', scope: null });
  m('high').mutate({ id: 'a2', scope: 'a' });
  m('high').mutate({ id: 'b1', scope: 'b' });
  m('normal').mutate({ id: 'b2', scope: 'b' });
  await advance(100);
  p.goOnline();
  await advance(100);
  // a2 is high, but a1 is before it in scope a
  assert.deepEqual(p.net.requests.map((r) => r.url.split('/').pop()), ['b1', 'x', 'b2', 'a1', 'a2']);
});

test('two pages replaying at once send each item once', async () => {
  const store = memoryStore();
  const locks = lockManager();
  const writer = page({ store, locks, online: false });
  const m = writer.client.mutation('m', { url: (v) => `/${v}` });
  for (let i = 0; i < 20; i++) m.mutate(i);
  await advance(100);
  writer.locks.die();
  const slow = (n) => () => new Promise((r) => setImmediate(() => r(new Response('{}', { status: 200 }))));
  const a = page({ store, locks, fallback: slow() });
  const b = page({ store, locks, fallback: slow() });
  await Promise.all([a.client.syncNow(), b.client.syncNow(), a.client.syncNow(), b.client.syncNow()]);
  await advance(1000);
  const sent = [...a.net.requests, ...b.net.requests].map((r) => r.key);
  assert.equal(sent.length, 20);
  assert.equal(new Set(sent).size, 20);
  assert.deepEqual(await stored(store), []);
});

test('without Web Locks a lease in the store lets one page replay at a time', async () => {
  const store = memoryStore();
  const w = page({ store, online: false });
  for (let i = 0; i < 10; i++) w.client.mutation('m', { url: `/${i}` }).mutate(i);
  await advance(100);
  const noLocks = (p) => p; // pages below pass locks: undefined
  const mk = () => {
    const net = scriptedFetch([], () => new Promise((r) => setImmediate(() => r(new Response('{}')))));
    const c = SyncClient.create({ baseUrl: 'https://api.test', offline: { store },
      env: { fetch: net.fetch, random: () => 0.5, locks: undefined, indexedDB: undefined, onLine: () => true, events: null } });
    return { c, net };
  };
  mock.timers.tick(60_000); // the writer's ownership (timeout + grace) is over
  const a = noLocks(mk());
  const b = noLocks(mk());
  await Promise.all([a.c.syncNow(), b.c.syncNow()]);
  await advance(10_000);
  const sent = [...a.net.requests, ...b.net.requests].map((r) => r.key);
  assert.equal(sent.length, 10);
  assert.equal(new Set(sent).size, 10);
});

test('items past their TTL, past max attempts, or refused become dead letters, never dropped', async () => {
  const store = memoryStore();
  const p = page({ store, online: false, options: { offline: { ttlMs: 60_000, maxAttempts: 2 } },
    script: [answer.problem(422, { title: 'Unprocessable', detail: 'no' }), answer.status(503), answer.status(503)] });
  const refused = p.client.mutation('refused', { url: '/r' }).mutate(1);
  const tired = p.client.mutation('tired', { url: '/t' }).mutate(2);
  await advance(100);
  p.goOnline();
  await advance(10_000);
  assert.equal(refused.state.status, 'dead');
  assert.equal(refused.state.problem.status, 422);
  assert.equal(tired.state.status, 'dead');
  const late = p.client.mutation('late', { url: '/l' });
  p.online = false;
  const old = late.mutate(3);
  await advance(61_000);
  p.goOnline();
  await advance(100);
  assert.equal(old.state.status, 'dead');
  const dead = await p.client.queue.dead();
  assert.deepEqual(dead.map((d) => [d.name, d.dead.reason]), [['refused', 'refused'], ['tired', 'max-attempts'], ['late', 'ttl']]);
  assert.deepEqual(await p.client.queue.pending(), []);
  await p.client.queue.clear();
  assert.deepEqual(await p.client.queue.dead(), []);
});

test('secret headers are never stored; headers() supplies them again at replay', async () => {
  const store = memoryStore();
  let token = 'one';
  const p = page({ store, online: false, options: { headers: () => ({ Authorization: `Bearer ${token}` }) } });
  p.client.mutation('m', { url: '/m', headers: { authorization: 'Bearer static', 'X-Tenant': 't1' } }).mutate({});
  await advance(100);
  const [item] = await stored(store);
  assert.deepEqual(item.headers, { 'X-Tenant': 't1' });
  assert.ok(!JSON.stringify(item).includes('Bearer'));
  token = 'two';
  p.goOnline();
  await advance(100);
  assert.equal(p.net.requests[0].headers.authorization, 'Bearer two');
  assert.equal(p.net.requests[0].headers['x-tenant'], 't1');
});

test('a full queue refuses the call with a clear error and keeps what it holds', async () => {
  const store = memoryStore();
  const p = page({ store, online: false, options: { offline: { maxItems: 2 } } });
  const m = p.client.mutation('m', { url: '/m' });
  const [a, b, c] = [1, 2, 3].map((n) => m.mutate(n));
  await advance(100);
  assert.deepEqual([a, b, c].map((x) => x.state.status), ['queued', 'queued', 'error']);
  assert.equal(c.state.problem.type, PROBLEMS.queueFull);
  await assert.rejects(c.result, /offline queue is full \(2 items\)/);
  assert.equal((await stored(store)).length, 2);
});

test('cancel removes a queued call from the queue', async () => {
  const store = memoryStore();
  const p = page({ store, online: false });
  const call = p.client.mutation('m', { url: '/m' }).mutate({});
  await advance(100);
  call.cancel();
  await flush();
  assert.deepEqual(await stored(store), []);
  p.goOnline();
  await advance(100);
  assert.equal(p.net.requests.length, 0);
});

test('the IndexedDB store keeps items across reopening; a transaction that fails writes nothing', async () => {
  mock.timers.reset(); // fake-indexeddb schedules with the real timers
  const indexedDB = new IDBFactory();
  const s1 = idbStore({ indexedDB });
  await s1.tx(async (items, meta) => {
    await items.put({ v: 1, key: 'k1', seq: 1 });
    await items.put({ v: 1, key: 'k2', seq: 2 });
    await meta.put({ name: 'seq', value: 2 });
  });
  await assert.rejects(s1.tx(async (items) => {
    await items.put({ v: 1, key: 'k3', seq: 3 });
    throw new QueueFullError(2);
  }), QueueFullError);
  assert.equal(await s1.tx(async (items, meta) => (await meta.get('seq')).value + (await items.all()).length), 4);
  const s2 = idbStore({ indexedDB }); // a reload: a new connection to the same database
  assert.deepEqual((await stored(s2)).map((i) => i.key), ['k1', 'k2'], 'k3 rolled back');
  await s2.tx(async (items) => items.delete('k1'));
  assert.equal(await s1.tx(async (items) => items.get('k1')), undefined);
  assert.deepEqual((await stored(s1)).map((i) => i.key), ['k2']);
});

test('transactions of the memory store run one at a time and copy records in and out', async () => {
  const store = memoryStore();
  const order = [];
  const slow = store.tx(async (items) => {
    order.push('slow start');
    await new Promise((r) => setImmediate(r));
    await items.put({ key: 'a', n: 1 });
    order.push('slow end');
  });
  const failing = store.tx(async () => { order.push('failing'); throw new Error('no'); });
  const fast = store.tx(async (items) => { order.push('fast'); return items.get('a'); });
  await slow;
  await assert.rejects(failing, /no/);
  const a = await fast;
  assert.deepEqual(order, ['slow start', 'slow end', 'failing', 'fast']);
  a.n = 2;
  assert.equal((await store.tx(async (items) => items.get('a'))).n, 1);
});

test('a call cancelled before its queue write finished is not left in the queue', async () => {
  const store = memoryStore();
  const p = page({ store });
  const call = p.client.mutation('m', { url: '/m' }).mutate({});
  call.cancel(); // the write has started, not finished
  await advance(100);
  assert.deepEqual(await stored(store), []);
  assert.equal(p.net.requests.length, 0);
});

test('a closed client stops replaying and lets other pages take its items', async () => {
  const store = memoryStore();
  const locks = lockManager();
  const p = page({ store, locks, online: false });
  const call = p.client.mutation('m', { url: '/m' }).mutate({});
  await advance(100);
  assert.equal(call.state.status, 'queued');
  assert.ok([...locks.held.keys()].some((n) => n.endsWith(p.client.pageId)));
  p.client.close();
  await flush();
  assert.ok(![...locks.held.keys()].some((n) => n.endsWith(p.client.pageId)), 'its page lock released');
  p.goOnline();
  await advance(10_000);
  assert.equal(p.net.requests.length, 0);
  const other = page({ store, locks });
  await advance(100);
  assert.equal(other.net.requests.length, 1);
});

test('the queue lists items without their body, headers or bookkeeping', async () => {
  const store = memoryStore();
  const p = page({ store, online: false });
  const call = p.client.mutation('book', { url: '/b', scope: () => 's', priority: 'low', headers: { 'X-Tenant': 't' } }).mutate({ seat: 1 });
  await advance(100);
  const [item] = await p.client.queue.pending();
  assert.deepEqual(item, { key: call.key, name: 'book', method: 'POST', url: 'https://api.test/b', scope: 's',
    priority: 'low', attempts: 0, createdAt: T0, nextAt: 0, problem: undefined });
  assert.deepEqual(await p.client.queue.dead(), []);
});

test('without Web Locks the replay lease is given back after a round, not left to expire', async () => {
  const store = memoryStore();
  const mk = (online) => {
    const p = { online, net: scriptedFetch() };
    p.client = SyncClient.create({ baseUrl: 'https://api.test', offline: { store },
      env: { fetch: p.net.fetch, random: () => 0.5, locks: undefined, indexedDB: undefined, onLine: () => p.online, events: null } });
    return p;
  };
  const a = mk(true);
  await a.client.syncNow(); // a takes the lease for its (empty) round and gives it back
  const writer = mk(false);
  writer.client.mutation('m', { url: '/m' }).mutate(1);
  writer.client.close();
  await advance(100);
  const lease = await store.tx(async (_, meta) => meta.get('closedloop-sync:replay'));
  assert.ok(!(lease?.until > Date.now()), 'given back by the last page that replayed');
  mock.timers.tick(60_000); // the writer's ownership is over
  const b = mk(true);
  await b.client.syncNow();
  assert.equal(b.net.requests.length, 1);
});

test('clear() empties the queue and cancels this page\'s queued calls; its live calls go on', async () => {
  const store = memoryStore();
  const p = page({ store, script: [answer.hang()] });
  const m = p.client.mutation('m', { url: (v) => `/${v}` });
  const live = m.mutate('live');
  await advance(100);
  p.online = false;
  const queued = m.mutate('queued');
  await advance(100);
  assert.deepEqual([live.state.status, queued.state.status], ['pending', 'queued']);
  await p.client.queue.clear();
  assert.deepEqual(await stored(store), []);
  assert.equal(queued.state.status, 'error');
  assert.equal(queued.state.problem.type, PROBLEMS.cancelled);
  assert.equal(live.state.status, 'pending');
});
