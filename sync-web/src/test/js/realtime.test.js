import { test, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { SyncClient, keyDigest } from '../../main/js/sync.js';
import { fakeTime, advance, flush, answer, scriptedFetch, FakeEventSource, memoryStorage } from './harness.js';

beforeEach(() => { fakeTime(); FakeEventSource.instances = []; });
afterEach(() => mock.timers.reset());

function client(storage = memoryStorage(), script = []) {
  const net = scriptedFetch(script);
  const c = SyncClient.create({ baseUrl: 'https://app.test', offline: false, realtime: { url: '/events' },
    env: { fetch: net.fetch, random: () => 0.5, locks: undefined, onLine: () => true, events: null,
      storage, EventSource: FakeEventSource } });
  return { c, net, storage };
}

const change = (topic, position, key, extra = {}) => ({ topic, type: 'UPDATE', position, time: '2026-01-01T00:00:00Z', key, new: { n: position }, ...extra });

test('the digest is base64url of SHA-256 of the key, as WIRE-FORMAT.md lists', async () => {
  assert.equal(await keyDigest('k-1'), 'fDXFoXhdIHBORNXeS-uBwfzpG2_kjtfDFZr29_gyB4s');
  assert.equal(await keyDigest('idem-1'), '0FthvUtw4Nmhl6yTYPjCTk6u1TNtMar9XhbYKcZXbfM');
});

test('one stream for the topics; events to their subscribers; the cursor is stored and resumed after a reload', async () => {
  const { c, storage } = client();
  const seen = [];
  const statuses = [];
  c.subscribe(['sms', 'bookings'], { onEvent: (e) => seen.push(`${e.topic}#${e.position}`), onStatus: (s) => statuses.push(s) });
  const [es] = FakeEventSource.instances;
  assert.equal(es.url, 'https://app.test/events?topics=bookings%2Csms');
  es.open();
  es.emit('subscribed', { cursor: 'bookings:0,sms:0' }, 'bookings:0,sms:0');
  es.emit('update', change('bookings', 1, '1001'), 'bookings:1,sms:0');
  es.emit('insert', change('sms', 1, 'm1'), 'bookings:1,sms:1');
  assert.deepEqual(seen, ['bookings#1', 'sms#1']);
  assert.deepEqual(statuses, ['connecting', 'open']);
  assert.equal(c.latest('bookings', '1001').position, 1);
  assert.equal(c.latest('bookings', 'nope'), undefined);

  const reloaded = client(storage);
  reloaded.c.subscribe(['bookings', 'sms'], {});
  const es2 = FakeEventSource.instances[1];
  assert.equal(new URL(es2.url).searchParams.get('lastEventId'), 'bookings:1,sms:1');
});

test('a reset calls onReset of the subscribers of its topic', () => {
  const { c } = client();
  const resets = [];
  c.subscribe(['bookings'], { onReset: (r) => resets.push(r.topic) });
  c.subscribe(['sms'], { onReset: (r) => resets.push(`other ${r.topic}`) });
  const es = FakeEventSource.instances.at(-1);
  assert.equal(new URL(es.url).searchParams.get('topics'), 'bookings,sms', 'the union of the topics');
  es.emit('reset', { topic: 'bookings', position: 58, reason: 'gone' }, 'bookings:58,sms:0');
  assert.deepEqual(resets, ['bookings']);
});

test('unsubscribing the last subscriber closes the stream', () => {
  const { c } = client();
  const off = c.subscribe(['bookings'], {});
  off();
  assert.equal(FakeEventSource.instances[0].closed, true);
});

test('call.confirmed resolves with the event that carries the digest of its key, even one that beats the answer', async () => {
  const { c } = client(undefined, [answer.hang()]);
  c.subscribe(['bookings'], {});
  const es = FakeEventSource.instances[0];
  const call = c.mutation('book', { url: '/b' }).mutate({});
  let confirmed = null;
  call.confirmed.then((e) => { confirmed = e; });
  await flush();
  es.emit('update', change('bookings', 1, '1', { idempotencyKeyDigest: await keyDigest('another') }), 'bookings:1');
  await flush();
  assert.equal(confirmed, null);
  es.emit('update', change('bookings', 2, '1', { idempotencyKeyDigest: await keyDigest(call.key) }), 'bookings:2');
  await flush();
  assert.equal(confirmed.position, 2);
  assert.equal(call.state.status, 'pending', 'the answer has not come yet');
});

test('awaitChange resolves with the first matching event, or rejects after its timeout', async () => {
  const { c } = client();
  const match = c.awaitChange('bookings', (e) => e.key === '7', 5000);
  const none = c.awaitChange('bookings', (e) => e.key === '8', 5000);
  const es = FakeEventSource.instances.at(-1);
  es.emit('update', change('bookings', 1, '6'), 'bookings:1');
  es.emit('update', change('bookings', 2, '7'), 'bookings:2');
  assert.equal((await match).position, 2);
  const rejected = assert.rejects(none, /no matching change on bookings within 5000 ms/);
  await advance(5000, 1000);
  await rejected;
});

test('subscribing without a stream configured is refused with a fixed message', () => {
  const c = SyncClient.create({ baseUrl: 'https://app.test', offline: false, env: { locks: undefined, events: null } });
  assert.throws(() => c.subscribe(['bookings'], {}), { name: 'TypeError', message: /realtime.url is not set/ });
});

test('without crypto.subtle (a page over plain http) a call still runs; it is only never confirmed', async (t) => {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  const real = globalThis.crypto;
  Object.defineProperty(globalThis, 'crypto', { value: { getRandomValues: (a) => real.getRandomValues(a) }, configurable: true });
  const reported = t.mock.method(console, 'error', () => {});
  try {
    const { c, net } = client(undefined, [answer.ok({ id: 1 })]);
    const call = c.mutation('book', { url: '/b' }).mutate({});
    await advance(100);
    assert.equal(net.requests.length, 1);
    assert.equal(call.state.status, 'success');
    assert.equal(reported.mock.callCount(), 1, 'the missing digest is reported');
  } finally {
    Object.defineProperty(globalThis, 'crypto', descriptor);
  }
});
