// Closed Loop Sync demo page, on sync-web (served from its WebJar): each click is one call with
// one Idempotency-Key, reused on every retry and every replay; clicks while the server is down
// wait in the offline queue (IndexedDB) and drain when it is back; change events over SSE, resumed
// from the stored cursor after a reload. No build step, no dependencies.
import { SyncClient, SyncError } from '/webjars/closedloop-sync/sync.js';

const clientId = localStorage.getItem('closedloop.clientId') ?? crypto.randomUUID();
localStorage.setItem('closedloop.clientId', clientId);

const client = SyncClient.create({
  retry: { maxAttempts: 5, initialDelayMs: 250, maxDelayMs: 4000 },
  // called on every attempt and every replay, never stored: where a page's token goes
  headers: () => ({ Authorization: `Bearer demo-token-${clientId}` }),
  offline: { maxItems: 200, probeIntervalMs: 2000 },
  realtime: { url: '/events' },
});

const json = { 'X-Client-Id': clientId };
const confirmBooking = client.mutation('confirm-booking', {
  url: (v) => `/api/bookings/${encodeURIComponent(v.id)}/confirm`,
  body: {},
  headers: json,
  scope: (v) => `booking:${v.id}`,
  priority: 'high',
});
const sendSms = client.mutation('send-sms', { url: '/api/sms', headers: json });
const updateLeads = client.mutation('bulk-leads', { url: '/api/leads/status', method: 'PATCH', headers: json });

const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The sync button: idle → loading (disabled, "attempt n of m") → success → idle, or error, or
// queued (the server is unreachable: the click waits in the offline queue and drains later).
function syncButton(button, statusEl, labels, mutation, variables) {
  const trace = [];
  const set = (state, label, status) => {
    button.dataset.state = state;
    button.disabled = state === 'loading';
    button.textContent = label;
    statusEl.dataset.state = state;
    statusEl.textContent = status;
    const entry = state === 'loading' ? `${state}:${status}` : state;
    if (trace.at(-1) !== entry) trace.push(entry);
    button.dataset.trace = trace.join('|');
  };
  button.addEventListener('click', () => {
    if (button.dataset.state === 'loading') return;
    trace.length = 0;
    const call = mutation.mutate(variables());
    markWhenConfirmed(call);
    const show = async (s) => {
      if (s.status === 'pending') {
        set('loading', labels.loading, `attempt ${s.attempt} of ${s.maxAttempts}`);
      } else if (s.status === 'queued') {
        set('queued', labels.queued, `queued: sent when the server is back · key ${call.key.slice(0, 8)}`);
      } else if (s.status === 'success') {
        set('success', labels.success, `${labels.done(s.data)} after ${s.attempt} attempt${s.attempt > 1 ? 's' : ''}`
          + (s.replayed ? ' (answer replayed by the server)' : '') + ` · key ${call.key.slice(0, 8)}`);
        await sleep(1500);
        if (button.dataset.state === 'success') set('idle', labels.idle, statusEl.textContent);
      } else {
        set('error', labels.error, new SyncError(s.problem, call.key, s.attempt).message);
      }
    };
    show(call.state);
    call.subscribe(show);
  });
}

syncButton($('confirm-booking'), $('confirm-booking-status'),
  { idle: 'Confirm booking', loading: 'Confirming…', success: 'Confirmed ✓', error: 'Failed: try again', queued: 'Queued',
    done: (b) => `Booking ${b.id} confirmed (${b.confirmations} confirmation${b.confirmations === 1 ? '' : 's'} sent)` },
  confirmBooking, () => ({ id: $('booking-id').value }));

syncButton($('send-sms'), $('send-sms-status'),
  { idle: 'Send SMS', loading: 'Sending…', success: 'Sent ✓', error: 'Failed: try again', queued: 'Queued',
    done: (s) => `Text ${s.messageId} sent to ${s.to}` },
  sendSms, () => ({ to: $('sms-to').value, text: $('sms-text').value }));

syncButton($('bulk-leads'), $('bulk-leads-status'),
  { idle: 'Update leads', loading: 'Updating…', success: 'Updated ✓', error: 'Failed: try again', queued: 'Queued',
    done: (r) => `${r.updated} leads set to ${r.status}` },
  updateLeads, () => ({
    ids: $('lead-ids').value.split(',').map((s) => s.trim()).filter(Boolean),
    status: $('lead-status').value,
  }));

// The offline queue, as this page sees it (it survives reloads: a reloaded page drains it).
async function refreshQueue() {
  const [pending, dead] = await Promise.all([client.queue.pending(), client.queue.dead()]);
  const el = $('queue-status');
  el.dataset.pending = String(pending.length);
  el.dataset.dead = String(dead.length);
  el.textContent = pending.length === 0 && dead.length === 0 ? 'offline queue: empty'
    : `offline queue: ${pending.length} waiting` + (dead.length ? `, ${dead.length} dead` : '');
}
client.queue.subscribe(refreshQueue);
addEventListener('online', refreshQueue);
addEventListener('offline', refreshQueue);

// Server counters: refreshed after every event and every few seconds.
let refreshing = false;
async function refreshState() {
  if (refreshing) return;
  refreshing = true;
  try {
    const response = await fetch('/api/state', { cache: 'no-store' });
    if (!response.ok) return;
    const s = await response.json();
    $('applied-bookings').textContent = s.applied.bookings;
    $('applied-sms').textContent = s.applied.sms;
    $('applied-leads').textContent = s.applied.leads;
    $('applied-total').textContent = s.applied.total;
    $('duplicates').textContent = s.duplicates;
    $('duplicates').dataset.bad = String(s.duplicates > 0);
    $('replayed').textContent = s.idempotency.replayed;
    const select = $('booking-id');
    if (select.options.length === 0) {
      for (const b of s.bookings) select.add(new Option(`${b.id} (${b.guest})`, b.id));
    }
  } catch (e) {
    // the server is down; the stream status says so
  } finally {
    refreshing = false;
    refreshQueue();
  }
}

// Change events. sync-web keeps the stream's cursor in localStorage, so a reload resumes after
// the last event this page saw (nothing missed, nothing twice); a "reset" means refetch.
function addEvent(text, cssClass) {
  const item = document.createElement('li');
  item.textContent = text;
  if (cssClass) item.className = cssClass;
  const list = $('events');
  list.prepend(item);
  while (list.children.length > 200) list.lastChild.remove();
  return item;
}

const items = new Map(); // "topic#position" → its <li>, to mark the events of this window's calls
const watched = new WeakSet();

// A call's `confirmed` resolves with the event that carries its key: the loop closed for the
// user who clicked, in this window.
function markWhenConfirmed(call) {
  if (watched.has(call)) return;
  watched.add(call);
  call.confirmed.then((ev) => {
    const item = items.get(`${ev.topic}#${ev.position}`);
    if (item) {
      item.className = 'yours';
      item.textContent += ' · yours';
    }
  }, () => {});
}
const status = $('stream-status');
client.subscribe(['bookings', 'sms', 'leads'], {
  onStatus: (s) => {
    status.dataset.state = s;
    status.textContent = s === 'open' ? 'events: live' : `events: ${s}…`;
  },
  onEvent: (ev) => {
    const digest = ev.idempotencyKeyDigest;
    const detail = ev.new ? JSON.stringify(ev.new) : '';
    const item = addEvent(`${ev.topic} #${ev.position} ${ev.type} ${ev.key ?? ''} ${detail}`
      + (digest ? ` · key #${digest.slice(0, 8)}` : ''));
    item.dataset.topic = ev.topic;
    item.dataset.key = ev.key ?? '';
    item.dataset.idempotencyKeyDigest = digest ?? '';
    items.set(`${ev.topic}#${ev.position}`, item);
    refreshState();
  },
  onReset: (reset) => {
    addEvent(`reset: ${reset.topic} moved past this page's position; state refetched`, 'reset');
    refreshState();
  },
});

refreshState();
setInterval(refreshState, 3000);
