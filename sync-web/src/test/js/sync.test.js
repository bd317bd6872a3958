import { test, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { SyncClient, SyncError, PROBLEMS } from '../../main/js/sync.js';
import { PROBLEM_KEY_IN_USE } from '../../main/js/rules.js';
import { fakeTime, advance, flush, answer, scriptedFetch } from './harness.js';

beforeEach(fakeTime);
afterEach(() => mock.timers.reset());

/** A client without offline queue or stream, over a scripted fetch, drawing `draw` for jitter. */
function client(script, options = {}, draw = 0.5) {
  const net = scriptedFetch(script);
  const c = SyncClient.create({ baseUrl: 'https://api.test', offline: false,
    env: { fetch: net.fetch, random: () => draw, locks: undefined, indexedDB: undefined, onLine: () => true, events: null },
    ...options });
  return { c, net };
}

const states = (call) => {
  const seen = [];
  call.subscribe((s) => seen.push(`${s.status}:${s.attempt}`));
  return seen;
};

test('one key on every attempt, sent as an sf-string; the states are those of the Java client', async () => {
  const { c, net } = client([answer.status(503), answer.ok({ id: 7 }, { 'Idempotent-Replayed': 'true' })]);
  const book = c.mutation('book', { url: (v) => `/bookings/${v.id}/confirm`, body: (v) => ({ seats: v.seats }) });
  const call = book.mutate({ id: 1, seats: 2 });
  const seen = states(call);
  assert.match(call.key, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(call.state, { status: 'pending', attempt: 1, maxAttempts: 3, data: undefined, problem: undefined });
  await advance(1000);
  assert.equal(await call.result.then((d) => d.id), 7);
  assert.deepEqual(seen, ['pending:1', 'pending:2', 'success:2']);
  assert.equal(call.state.replayed, true);
  assert.equal(net.requests.length, 2);
  for (const r of net.requests) {
    assert.equal(r.key, `"${call.key}"`);
    assert.equal(r.url, 'https://api.test/bookings/1/confirm');
    assert.equal(r.method, 'POST');
    assert.equal(r.body, '{"seats":2}');
    assert.equal(r.headers['content-type'], 'application/json');
  }
});

test('the delay before a retry is the full-jitter backoff, raised to Retry-After', async () => {
  const { c, net } = client([answer.status(429, { 'Retry-After': '5' }), answer.status(503), answer.ok()]);
  const call = c.mutation('m', { url: '/m' }).mutate({});
  await advance(4900);
  assert.equal(net.requests.length, 1, 'Retry-After 5 holds the retry for 5 s');
  await advance(100);
  assert.equal(net.requests.length, 2);
  await advance(999); // attempt 2 → backoff 2000 × draw 0.5 = 1000
  assert.equal(net.requests.length, 2);
  await advance(1);
  assert.equal(net.requests.length, 3);
  assert.equal(call.state.status, 'success');
});

test('a final status fails at once with the problem the server sent', async () => {
  const problem = { type: 'https://example.test/unknown-lead', title: 'Unknown lead', detail: 'lead-404 names no lead' };
  const { c, net } = client([answer.problem(422, problem)]);
  const call = c.mutation('leads', { url: '/leads', method: 'PATCH' }).mutate({ ids: ['lead-404'] });
  const error = await call.result.then(() => null, (e) => e);
  assert.ok(error instanceof SyncError);
  assert.equal(error.message, 'Unknown lead: lead-404 names no lead');
  assert.equal(error.key, call.key);
  assert.deepEqual(call.state.problem, { status: 422, ...problem });
  assert.equal(call.state.status, 'error');
  assert.equal(net.requests.length, 1);
  await assert.rejects(call.confirmed);
});

test('409 "in progress" is retried; another 409 and 501 are final', async () => {
  for (const [first, attempts] of [[answer.problem(409, { type: PROBLEM_KEY_IN_USE, title: 'In progress' }), 2],
    [answer.problem(409, { type: 'https://closedloop.dev/problems/other', title: 'Conflict' }), 1],
    [answer.status(501), 1]]) {
    const { c, net } = client([first, answer.ok()]);
    c.mutation('m', { url: '/m' }).mutate({});
    await advance(2000);
    assert.equal(net.requests.length, attempts);
  }
});

test('retries stop at maxAttempts, and without a queue the call fails with the last problem', async () => {
  const { c, net } = client([answer.network(), answer.status(502), answer.status(503)], { retry: { maxAttempts: 3 } });
  const call = c.mutation('m', { url: '/m' }).mutate({});
  const seen = states(call);
  await advance(10_000);
  assert.equal(net.requests.length, 3);
  // each failure sets its problem and nextRetryAt, each new attempt its number
  assert.deepEqual(seen, ['pending:1', 'pending:2', 'pending:2', 'pending:3', 'error:3']);
  assert.equal(call.state.status, 'error');
  assert.equal(call.state.problem.status, 503);
});

test('a Retry-After beyond the deadline (timeoutMs) stops the retries at once', async () => {
  const { c, net } = client([answer.status(503, { 'Retry-After': '60' })], { timeoutMs: 30_000 });
  const call = c.mutation('m', { url: '/m' }).mutate({});
  await advance(100);
  assert.equal(call.state.status, 'error');
  assert.equal(net.requests.length, 1);
});

test('attemptTimeoutMs aborts a hung attempt through AbortController; the retry has the same key', async () => {
  const { c, net } = client([answer.hang(), answer.ok()], { attemptTimeoutMs: 2000 });
  const call = c.mutation('m', { url: '/m' }).mutate({});
  await advance(1900);
  assert.equal(net.requests.length, 1);
  await advance(100);
  assert.equal(call.state.problem.type, PROBLEMS.timeout);
  await advance(1000);
  assert.equal(call.state.status, 'success');
  assert.equal(net.requests[1].key, net.requests[0].key);
});

test('the whole call is bounded by timeoutMs', async () => {
  const { c, net } = client([answer.hang()], { timeoutMs: 3000 });
  const call = c.mutation('m', { url: '/m' }).mutate({});
  await advance(3000);
  assert.equal(call.state.status, 'error');
  assert.equal(call.state.problem.type, PROBLEMS.timeout);
  assert.equal(net.requests.length, 1);
});

test('equal variables while a call is in flight return that call; after it, a new one', async () => {
  const { c, net } = client([answer.status(503), answer.ok(), answer.ok()]);
  const m = c.mutation('m', { url: '/m' });
  const a = m.mutate({ x: 1, y: [1, 2] });
  assert.equal(m.mutate({ y: [1, 2], x: 1 }), a, 'key order does not matter');
  const b = m.mutate({ x: 2, y: [1, 2] });
  assert.notEqual(b, a);
  await advance(2000);
  assert.equal(a.state.status, 'success');
  const c2 = m.mutate({ x: 1, y: [1, 2] });
  assert.notEqual(c2, a);
  assert.notEqual(c2.key, a.key);
  await advance(100);
  assert.equal(net.requests.length, 4);
});

test('optimistic updates apply at once and roll back on failure only', async () => {
  const { c } = client([answer.ok(), answer.status(400)]);
  let seats = 0;
  const m = c.mutation('m', { url: '/m', optimistic: (v) => { seats += v; return () => { seats -= v; }; } });
  m.mutate(2);
  assert.equal(seats, 2);
  await advance(100);
  assert.equal(seats, 2, 'kept after success');
  const failed = m.mutate(5);
  assert.equal(seats, 7);
  await advance(100);
  assert.equal(failed.state.status, 'error');
  assert.equal(seats, 2, 'rolled back');
});

test('cancel stops a call waiting for its retry: no further attempt, the problem says cancelled', async () => {
  const { c, net } = client([answer.status(503), answer.ok()]);
  const call = c.mutation('m', { url: '/m' }).mutate({});
  await advance(100);
  call.cancel();
  await advance(5000);
  assert.equal(net.requests.length, 1);
  assert.equal(call.state.status, 'error');
  assert.equal(call.state.problem.type, PROBLEMS.cancelled);
  await assert.rejects(call.result, SyncError);
});

test('headers() is called on every attempt, and its headers are sent', async () => {
  let n = 0;
  const { c, net } = client([answer.status(503), answer.ok()], { headers: async () => ({ Authorization: `Bearer t${++n}` }) });
  c.mutation('m', { url: '/m' }).mutate({});
  await advance(2000);
  assert.deepEqual(net.requests.map((r) => r.headers.authorization), ['Bearer t1', 'Bearer t2']);
});

test('calls of one scope run one after another, in order', async () => {
  const { c, net } = client([answer.hang()], { attemptTimeoutMs: 1000, retry: { maxAttempts: 1 } });
  const m = c.mutation('m', { url: (v) => `/m/${v.n}`, scope: (v) => v.room });
  m.mutate({ n: 1, room: 'a' });
  m.mutate({ n: 2, room: 'a' });
  m.mutate({ n: 3, room: 'b' });
  await advance(100);
  assert.deepEqual(net.requests.map((r) => r.url.slice(-1)), ['1', '3']);
  await advance(1000);
  assert.deepEqual(net.requests.map((r) => r.url.slice(-1)), ['1', '3', '2']);
});

test('a mutation without a name or url is refused with a fixed message', () => {
  const { c } = client([]);
  for (const name of ['', undefined, 42]) {
    assert.throws(() => c.mutation(name, { url: '/m' }), { name: 'TypeError', message: 'name must be a non-empty string' });
  }
  assert.throws(() => c.mutation('m', {}), { name: 'TypeError', message: 'url cannot be null' });
  assert.throws(() => c.mutation('m', { url: '/m', priority: 'urgent' }), TypeError);
});

test('an answer without a problem body fails as about:blank, titled by its status', async () => {
  const { c } = client([() => new Response('<h1>gone</h1>', { status: 404, statusText: 'Not Found', headers: { 'Content-Type': 'text/html' } }),
    () => new Response(JSON.stringify({ detail: 'no title' }), { status: 410, headers: { 'Content-Type': 'application/problem+json' } })]);
  const m = c.mutation('m', { url: '/m' });
  const a = m.mutate(1);
  await advance(100);
  assert.deepEqual(a.state.problem, { type: 'about:blank', title: 'Not Found', status: 404 });
  const b = m.mutate(2);
  await advance(100);
  assert.deepEqual(b.state.problem, { type: 'about:blank', title: 'HTTP 410', detail: 'no title', status: 410 });
  assert.equal((await b.result.catch((e) => e)).message, 'HTTP 410: no title');
});
