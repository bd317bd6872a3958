// ClickToEventBenchmark, window A: one <sync-button> confirming booking 1001. For each click, the
// click's time (its event's timeStamp on the shared clock performance.timeOrigin + now) and the
// digest of its key, which the change event carries (SHA-256, base64url, as the demo's page does).
import '/webjars/closedloop-sync/sync-button.js';

const el = document.createElement('sync-button');
el.id = 'bench';
el.setAttribute('success-duration', '0');
el.textContent = 'Confirm booking 1001';
document.body.append(el);
el.mutation = globalThis.makeMutation('confirmBooking', {
  method: 'POST',
  url: (v) => `/api/bookings/${encodeURIComponent(v.id)}/confirm`,
  body: () => ({}),
});
el.variables = { id: '1001' };

async function digest(key) {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
  return btoa(String.fromCharCode(...hash)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

globalThis.clicks = [];
el.addEventListener('click', (e) => {
  // the button's own handler ran first (target phase): el.call is this click's call
  const click = { key: el.call.key, clickAt: performance.timeOrigin + e.timeStamp };
  globalThis.clicks.push(click);
  digest(click.key).then((d) => { click.digest = d; });
});
el.addEventListener('sync-success', (e) => {
  const click = globalThis.clicks.find((c) => c.key === e.detail.call.key);
  if (click) click.answerAt = performance.timeOrigin + e.timeStamp;
});
document.body.dataset.ready = 'true';
