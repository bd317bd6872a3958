// Closed Loop Sync demo page: one idempotency key per click, reused on every retry (with full
// jitter, honouring Retry-After); change events over SSE (EventSource resumes with Last-Event-ID
// by itself). No build step, no dependencies.

export const MAX_ATTEMPTS = 5;
const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 4000;
// Statuses worth another attempt with the same key; 400, 404, 422 and other 4xx are final.
const RETRYABLE = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

const clientId = localStorage.getItem('closedloop.clientId') ?? newUuid();
localStorage.setItem('closedloop.clientId', clientId);
// Change events carry the digest of the causing request's key, never the key: this page keeps the
// digests of its own keys to recognise its events.
const myDigests = new Set();

// SHA-256 of the key's UTF-8 bytes, base64url without padding (sync-realtime/WIRE-FORMAT.md).
async function keyDigest(key) {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
  let binary = '';
  for (const b of hash) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function newUuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map(x => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// Full jitter: a uniform draw below the capped exponential backoff.
function backoffMs(attempt) {
  return Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
}

// Retry-After as delta-seconds or an HTTP-date; 0 when absent or malformed.
function retryAfterMs(response) {
  const value = response.headers.get('Retry-After');
  if (!value) return 0;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? 0 : Math.max(0, date - Date.now());
}

export class SyncError extends Error {
  constructor(problem, attempts) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.problem = problem;
    this.attempts = attempts;
  }
}

// Sends one logical mutation: the same key on every attempt, so the server applies it once.
export async function mutate(method, url, body, onAttempt = () => {}) {
  const key = newUuid();
  myDigests.add(await keyDigest(key)); // change events carry this digest, never the key
  let problem = { title: 'Not sent' };
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    onAttempt(attempt, MAX_ATTEMPTS);
    let response;
    let payload;
    try {
      response = await fetch(url, {
        method,
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key, 'X-Client-Id': clientId },
        body: JSON.stringify(body),
        cache: 'no-store',
      });
      const text = await response.text(); // a connection cut mid-body fails here, like a lost answer
      payload = text ? JSON.parse(text) : {};
    } catch (e) {
      problem = { title: 'Network error', detail: e.message || String(e) };
      if (attempt < MAX_ATTEMPTS) await sleep(backoffMs(attempt));
      continue;
    }
    if (response.ok) {
      return { data: payload, key, attempts: attempt, replayed: response.headers.get('Idempotent-Replayed') === 'true' };
    }
    problem = { title: payload.title || `HTTP ${response.status}`, detail: payload.detail || '', status: response.status };
    if (!RETRYABLE.has(response.status)) throw new SyncError(problem, attempt);
    if (attempt < MAX_ATTEMPTS) await sleep(Math.max(retryAfterMs(response), backoffMs(attempt)));
  }
  throw new SyncError(problem, MAX_ATTEMPTS);
}

// The sync button: idle → loading (disabled, "attempt n of m") → success → idle, or error.
function syncButton(button, statusEl, labels, run) {
  const trace = [];
  const set = (state, label, status) => {
    button.dataset.state = state;
    button.disabled = state === 'loading';
    button.textContent = label;
    statusEl.dataset.state = state;
    statusEl.textContent = status;
    trace.push(state === 'loading' ? `${state}:${status}` : state);
    button.dataset.trace = trace.join('|');
  };
  button.addEventListener('click', async () => {
    if (button.dataset.state === 'loading') return;
    trace.length = 0;
    try {
      const result = await run((n, m) => set('loading', labels.loading, `attempt ${n} of ${m}`));
      set('success', labels.success,
        `${labels.done(result.data)} after ${result.attempts} attempt${result.attempts > 1 ? 's' : ''}`
          + (result.replayed ? ' (answer replayed by the server)' : '') + ` · key ${result.key.slice(0, 8)}`);
      await sleep(1500);
      set('idle', labels.idle, statusEl.textContent);
    } catch (e) {
      set('error', labels.error, e instanceof SyncError ? e.message : String(e));
    }
  });
}

const $ = id => document.getElementById(id);

syncButton($('confirm-booking'), $('confirm-booking-status'),
  { idle: 'Confirm booking', loading: 'Confirming…', success: 'Confirmed ✓', error: 'Failed: try again',
    done: b => `Booking ${b.id} confirmed (${b.confirmations} confirmation${b.confirmations === 1 ? '' : 's'} sent)` },
  onAttempt => mutate('POST', `/api/bookings/${encodeURIComponent($('booking-id').value)}/confirm`, {}, onAttempt));

syncButton($('send-sms'), $('send-sms-status'),
  { idle: 'Send SMS', loading: 'Sending…', success: 'Sent ✓', error: 'Failed: try again',
    done: s => `Text ${s.messageId} sent to ${s.to}` },
  onAttempt => mutate('POST', '/api/sms', { to: $('sms-to').value, text: $('sms-text').value }, onAttempt));

syncButton($('bulk-leads'), $('bulk-leads-status'),
  { idle: 'Update leads', loading: 'Updating…', success: 'Updated ✓', error: 'Failed: try again',
    done: r => `${r.updated} leads set to ${r.status}` },
  onAttempt => mutate('PATCH', '/api/leads/status', {
    ids: $('lead-ids').value.split(',').map(s => s.trim()).filter(Boolean),
    status: $('lead-status').value,
  }, onAttempt));

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
  }
}

// Change events. EventSource reconnects by itself and sends Last-Event-ID, so no event is lost
// while the server restarts (within the replay log); a "reset" means refetch.
function addEvent(text, cssClass) {
  const item = document.createElement('li');
  item.textContent = text;
  if (cssClass) item.className = cssClass;
  const list = $('events');
  list.prepend(item);
  while (list.children.length > 200) list.lastChild.remove();
  return item;
}

const stream = new EventSource('/events?topics=bookings,sms,leads');
const status = $('stream-status');
stream.onopen = () => { status.dataset.state = 'open'; status.textContent = 'events: live'; };
stream.onerror = () => { status.dataset.state = 'reconnecting'; status.textContent = 'events: reconnecting…'; };
for (const type of ['insert', 'update', 'delete', 'broadcast']) {
  stream.addEventListener(type, e => {
    const ev = JSON.parse(e.data);
    const digest = ev.idempotencyKeyDigest;
    const yours = digest && myDigests.has(digest);
    const detail = ev.new ? JSON.stringify(ev.new) : '';
    const item = addEvent(`${ev.topic} #${ev.position} ${ev.type} ${ev.key ?? ''} ${detail}`
      + (digest ? ` · key #${digest.slice(0, 8)}` : '') + (yours ? ' · yours' : ''),
      yours ? 'yours' : '');
    item.dataset.topic = ev.topic;
    item.dataset.key = ev.key ?? '';
    item.dataset.idempotencyKeyDigest = digest ?? '';
    refreshState();
  });
}
stream.addEventListener('reset', e => {
  addEvent(`reset: ${JSON.parse(e.data).topic} moved past this page's position; state refetched`, 'reset');
  refreshState();
});

refreshState();
setInterval(refreshState, 3000);
