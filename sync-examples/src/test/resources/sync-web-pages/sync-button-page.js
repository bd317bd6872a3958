// The <sync-button> page: three buttons on the demo's booking endpoint, each traced (harness.js),
// with the events they fire.
import '/webjars/closedloop-sync/sync-button.js';

const confirmBooking = globalThis.makeMutation('confirmBooking', {
  method: 'POST',
  url: (v) => `/api/bookings/${encodeURIComponent(v.id)}/confirm`,
  body: () => ({}),
});

for (const [id, booking] of [['plain', '1001'], ['ask', '1002'], ['missing', 'nope']]) {
  const el = document.getElementById(id);
  el.mutation = confirmBooking;
  el.variables = () => ({ id: booking });
  const button = el.querySelector('button.sync-button-button');
  globalThis.traceStates(id, el, () => ({
    state: el.dataset.state,
    progress: el.querySelector('.sync-button-progress').textContent,
    disabled: button.disabled,
    busy: el.getAttribute('aria-busy'),
    label: el.querySelector('.sync-button-label').innerHTML,
    status: el.querySelector('.sync-button-status').textContent,
  }));
  el.addEventListener('sync-success', (e) => globalThis.fired.push(`${id}:sync-success:${e.detail.data?.id}`));
  el.addEventListener('sync-error', (e) => globalThis.fired.push(`${id}:sync-error:${e.detail.problem?.status}`));
}
document.addEventListener('sync-success', (e) => globalThis.fired.push(`document:sync-success:${e.target.id}`));
document.addEventListener('sync-error', (e) => globalThis.fired.push(`document:sync-error:${e.target.id}`));
document.body.dataset.ready = 'true';
