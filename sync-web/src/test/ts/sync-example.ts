// A typed page script against sync.d.ts: tsc --noEmit must accept it, and the @ts-expect-error
// lines prove the declarations refuse what they should.
import { SyncClient, SyncError, type Call, type CallState, type ChangeEvent } from '../../main/js/sync.js';

interface Booking { id: string; confirmations: number }

const client = SyncClient.create({
  headers: async () => ({ Authorization: 'Bearer token' }),
  retry: { maxAttempts: 5, initialDelayMs: 250 },
  attemptTimeoutMs: 10_000,
  offline: { maxItems: 100, secretHeaders: ['Authorization', 'X-Api-Key'] },
  realtime: { url: '/events' },
});

const confirm = client.mutation<{ id: string }, Booking>('confirm-booking', {
  url: (v) => `/api/bookings/${encodeURIComponent(v.id)}/confirm`,
  body: {},
  scope: (v) => `booking:${v.id}`,
  priority: 'high',
});

const call: Call<{ id: string }, Booking> = confirm.mutate({ id: '1001' });
const key: string = call.key;
const stop: () => void = call.subscribe((s: CallState<Booking>) => {
  if (s.status === 'success') console.log(s.data?.confirmations);
  if (s.status === 'error' || s.status === 'dead') console.log(s.problem?.title, s.problem?.detail);
  if (s.status === 'pending') console.log(`attempt ${s.attempt} of ${s.maxAttempts}`);
});
call.result.then((b: Booking) => console.log(b.id), (e: unknown) => {
  if (e instanceof SyncError) console.log(e.problem.status, e.key);
});
call.confirmed.then((e: ChangeEvent) => console.log(e.position, e.idempotencyKeyDigest));
call.cancel();
stop();

const off = client.subscribe(['bookings', 'sms'], {
  onEvent: (e) => console.log(e.topic, e.key, e.new),
  onReset: (r) => console.log(r.topic, r.reason),
  onStatus: (s) => console.log(s === 'open'),
});
off();
const latest: ChangeEvent | undefined = client.latest('bookings', '1001');
client.awaitChange('bookings', (e) => e.key === '1001', 5000).then((e) => console.log(e.type, latest));
client.queue.pending().then((items) => items.forEach((i) => console.log(i.key, i.priority, i.attempts)));
client.queue.dead().then((items) => items.forEach((i) => console.log(i.dead?.reason)));
void client.syncNow();
console.log(key);

// @ts-expect-error the variables are typed: a booking id is a string
confirm.mutate({ id: 1001 });
// @ts-expect-error priority is 'high' | 'normal' | 'low'
client.mutation('x', { url: '/x', priority: 'urgent' });
// @ts-expect-error a call's status is one of the six states
const wrong: CallState['status'] = 'loading';
console.log(wrong);
