// ClickToEventBenchmark, window B: the change events of the bookings topic as they arrive, by the
// digest of the key that caused them, on the shared clock (performance.timeOrigin + now).
globalThis.arrivals = {};
const stream = new EventSource('/events?topics=bookings');
for (const type of ['insert', 'update', 'delete']) {
  stream.addEventListener(type, (e) => {
    const at = performance.timeOrigin + performance.now();
    const digest = JSON.parse(e.data).idempotencyKeyDigest;
    if (digest) globalThis.arrivals[digest] = at;
  });
}
stream.onopen = () => { document.body.dataset.ready = 'true'; };
