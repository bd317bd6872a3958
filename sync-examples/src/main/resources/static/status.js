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

// ---- the last five minutes as small line charts (plain SVG, no library) ----------------------

const WINDOW_MS = 5 * 60 * 1000;
const COLORS = ['#0969da', '#1a7f37', '#cf222e', '#8250df'];
const BREAKER_LEVELS = { closed: 0, disabled: 0, half_open: 1, open: 2, forced_open: 2 };

// One chart: named series of [time, value] points, drawn over the last WINDOW_MS.
export class LineChart {
  constructor(figure, series, { unit = '', max = null, labels = null } = {}) {
    this.figure = figure;
    this.series = series.map(name => ({ name, points: [] }));
    this.unit = unit;
    this.fixedMax = max;
    this.labels = labels; // value -> text for the y axis (the breaker's states)
    const ns = 'http://www.w3.org/2000/svg';
    this.svg = document.createElementNS(ns, 'svg');
    this.svg.setAttribute('viewBox', '0 0 300 90');
    this.svg.setAttribute('preserveAspectRatio', 'none');
    this.svg.setAttribute('role', 'img');
    this.lines = this.series.map((s, i) => {
      const line = document.createElementNS(ns, 'polyline');
      line.setAttribute('fill', 'none');
      line.setAttribute('stroke', COLORS[i % COLORS.length]);
      line.setAttribute('stroke-width', '1.5');
      line.setAttribute('vector-effect', 'non-scaling-stroke');
      line.dataset.series = s.name;
      this.svg.append(line);
      return line;
    });
    this.top = document.createElementNS(ns, 'text');
    this.top.setAttribute('x', '2');
    this.top.setAttribute('y', '9');
    this.top.setAttribute('font-size', '8');
    this.top.setAttribute('fill', '#57606a');
    this.svg.append(this.top);
    this.legend = document.createElement('div');
    this.legend.className = 'legend';
    figure.append(this.svg, this.legend);
  }

  // Adds one point per series (null: no value this time) and redraws.
  add(now, values) {
    this.series.forEach((s, i) => {
      const v = values[i];
      if (v !== null && v !== undefined && Number.isFinite(v)) s.points.push([now, v]);
      while (s.points.length && s.points[0][0] < now - WINDOW_MS) s.points.shift();
    });
    this.draw(now);
  }

  draw(now) {
    const all = this.series.flatMap(s => s.points.map(p => p[1]));
    const max = this.fixedMax ?? Math.max(1e-9, ...all) * 1.1;
    this.top.textContent = this.labels ? this.labels(max) : `${round(max)} ${this.unit}`;
    // the x axis spans the points held (up to WINDOW_MS), so a fresh page is not one sliver at the right
    const oldest = Math.min(now - 1000, ...this.series.flatMap(s => s.points.map(p => p[0])));
    const span = Math.min(WINDOW_MS, now - oldest);
    let drawn = 0;
    this.series.forEach((s, i) => {
      const pts = s.points.map(([t, v]) =>
        `${(300 * (1 - (now - t) / span)).toFixed(1)},${(88 - 78 * Math.min(v, max) / max).toFixed(1)}`);
      this.lines[i].setAttribute('points', pts.join(' '));
      drawn += pts.length;
    });
    this.figure.dataset.points = String(drawn);
    this.legend.replaceChildren(...this.series.map((s, i) => {
      const span = document.createElement('span');
      span.style.setProperty('--c', COLORS[i % COLORS.length]);
      const last = s.points.at(-1);
      span.textContent = `${s.name}: ${last ? (this.labels ? this.labels(last[1]) : round(last[1])) : '–'}`;
      return span;
    }));
  }
}

const round = v => String(Math.round(v * 100) / 100);

// Per-second rates and means from two successive scrapes of counters.
export function rate(now, before, name, where = {}) {
  if (!before) return null;
  const a = sum(before.samples, name, where);
  const b = sum(now.samples, name, where);
  if (a === null || b === null || now.at <= before.at) return null;
  return Math.max(0, b - a) / ((now.at - before.at) / 1000);
}

export function meanMillis(now, before, base) {
  if (!before) return null;
  const dCount = (sum(now.samples, `${base}_count`) ?? 0) - (sum(before.samples, `${base}_count`) ?? 0);
  const dSum = (sum(now.samples, `${base}_sum`) ?? 0) - (sum(before.samples, `${base}_sum`) ?? 0);
  return dCount > 0 ? 1000 * dSum / dCount : null;
}

function finiteSum(samples, name) {
  let total = 0;
  let found = false;
  for (const s of samples) {
    if (s.name === name && Number.isFinite(s.value)) { total += s.value; found = true; }
  }
  return found ? total : null;
}

const charts = {
  rates: new LineChart($('chart-rates'), ['first', 'replayed', '409', '422'], { unit: '/s' }),
  latency: new LineChart($('chart-latency'), ['store claim', 'event fan-out'], { unit: 'ms' }),
  breaker: new LineChart($('chart-breaker'), ['state'], {
    max: 2.2, labels: v => (v >= 1.5 ? 'open' : v >= 0.5 ? 'half open' : 'closed') }),
  queue: new LineChart($('chart-queue'), ['waiting', 'in flight'], { unit: 'items' }),
};
let previous = null;

async function sampleCharts() {
  try {
    const response = await fetch('/metrics', { cache: 'no-store' });
    const current = { at: Date.now(), samples: parseMetrics(await response.text()) };
    const req = outcome => rate(current, previous, 'sync_idempotency_requests_total', { outcome });
    charts.rates.add(current.at, [req('first'), req('replayed'), req('conflict'), req('mismatch')]);
    charts.latency.add(current.at, [meanMillis(current, previous, 'sync_idempotency_claims_seconds'),
      meanMillis(current, previous, 'sync_realtime_fanout_seconds')]);
    const state = current.samples.find(s => s.name === 'sync_breaker_state' && s.value === 1)?.labels.state;
    charts.breaker.add(current.at, [state in BREAKER_LEVELS ? BREAKER_LEVELS[state] : null]);
    charts.queue.add(current.at, [finiteSum(current.samples, 'sync_queue_waiting'),
      finiteSum(current.samples, 'sync_queue_in_flight')]);
    previous = current;
  } catch (e) {
    // the tables above say the server is unreachable; the charts keep their last points
  }
}

sampleCharts();
setInterval(sampleCharts, 1000);
