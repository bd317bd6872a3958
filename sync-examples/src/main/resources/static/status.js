// The status page: polls /api/state and /metrics (Prometheus text format) every second and shows
// the numbers that prove the loop. No build step, no dependencies.

const $ = id => document.getElementById(id);

// Parses the Prometheus text format into [{name, labels, value}].
export function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    for (const pair of (m[2] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

function sum(samples, name, where = {}) {
  let total = 0;
  let found = false;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(where).some(([k, v]) => s.labels[k] !== v)) continue;
    total += s.value;
    found = true;
  }
  return found ? total : null;
}

function fill(table, rows) {
  table.replaceChildren(...rows.map(([label, value, id]) => {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.textContent = label;
    const td = document.createElement('td');
    td.textContent = value === null || value === undefined ? '–' : String(Math.round(value * 100) / 100);
    if (id) td.id = id;
    tr.append(th, td);
    return tr;
  }));
}

async function refresh() {
  const status = $('poll-status');
  try {
    const [stateResponse, metricsResponse] = await Promise.all([
      fetch('/api/state', { cache: 'no-store' }), fetch('/metrics', { cache: 'no-store' })]);
    const state = await stateResponse.json();
    const m = parseMetrics(await metricsResponse.text());
    const breakerState = m.find(s => s.name === 'sync_breaker_state' && s.value === 1)?.labels.state ?? '–';

    fill($('ledger'), [
      ['bookings confirmed', state.applied.bookings], ['texts sent', state.applied.sms],
      ['bulk lead updates', state.applied.leads], ['effects applied', state.applied.total, 'status-applied'],
      ['keys applied twice', state.duplicates, 'status-duplicates']]);
    fill($('idempotency'), [
      ['first runs', sum(m, 'sync_idempotency_requests_total', { outcome: 'first' }), 'status-first'],
      ['answers replayed', sum(m, 'sync_idempotency_requests_total', { outcome: 'replayed' }), 'status-replayed'],
      ['409 in progress', sum(m, 'sync_idempotency_requests_total', { outcome: 'conflict' })],
      ['422 key reused', sum(m, 'sync_idempotency_requests_total', { outcome: 'mismatch' })],
      ['400/413 rejected', sum(m, 'sync_idempotency_requests_total', { outcome: 'rejected' })],
      ['claims released (5xx)', sum(m, 'sync_idempotency_released_total')],
      ['store entries', sum(m, 'sync_idempotency_store_entries')],
      ['store evictions', sum(m, 'sync_idempotency_store_evictions_total')]]);
    fill($('sms'), [
      ['sends succeeded', sum(m, 'sync_retry_calls_total', { outcome: 'success' })],
      ['sends exhausted', sum(m, 'sync_retry_calls_total', { outcome: 'exhausted' })],
      ['retries waited', sum(m, 'sync_retry_delay_seconds_count')],
      ['budget tokens', sum(m, 'sync_retry_budget_tokens')],
      ['breaker state', null],
      ['breaker failed calls', sum(m, 'sync_breaker_calls_total', { kind: 'failed' })],
      ['breaker rejected calls', sum(m, 'sync_breaker_calls_total', { kind: 'rejected' })]]);
    $('sms').rows[4].cells[1].textContent = breakerState;
    fill($('realtime'), [
      ['events published', sum(m, 'sync_realtime_published_total')],
      ['delivered live', sum(m, 'sync_realtime_delivered_total', { kind: 'live' })],
      ['delivered on resume', sum(m, 'sync_realtime_delivered_total', { kind: 'replay' })],
      ['SSE streams open', sum(m, 'sync_sse_connections'), 'status-sse-connections'],
      ['SSE events sent', sum(m, 'sync_sse_events_sent_total')],
      ['SSE cut-offs', sum(m, 'sync_sse_cutoffs_total')]]);
    fill($('faults'), [
      ['enabled', state.faults.enabled ? 1 : 0], ['answers dropped', state.faults.DROP_AFTER_HANDLER],
      ['answers cut', state.faults.CUT_RESPONSE], ['503s', state.faults.UNAVAILABLE], ['delays', state.faults.DELAY]]);
    status.dataset.state = 'live';
    status.textContent = `live · ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    status.dataset.state = 'down';
    status.textContent = 'server unreachable; retrying…';
  }
}

refresh();
setInterval(refresh, 1000);
