// <sync-button> itself, on fake-dom.js (its own process: node --test runs each file alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { install, FakeElement } from './fake-dom.js';
import { fakeMutation } from './fake-mutation.js';

const doc = install();
const { SyncButtonElement } = await import('../../main/js/sync-button.js');

function mount(attributes = {}, mutation = fakeMutation()) {
  const el = doc.createElement('sync-button');
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  const bold = new FakeElement(doc, 'b');
  bold.append('booking 1001');
  el.append('Confirm ', bold);
  doc.body.append(el);
  el.mutation = mutation;
  el.variables = () => ({ id: '1001' });
  const fired = [];
  doc.body.addEventListener('sync-success', (e) => fired.push(['sync-success', e.target, e.detail]));
  doc.body.addEventListener('sync-error', (e) => fired.push(['sync-error', e.target, e.detail]));
  const part = (cls) => el.querySelector(`.${cls}`);
  return { el, mutation, fired, button: part('sync-button-button'), label: part('sync-button-label'),
    progress: part('sync-button-progress'), status: part('sync-button-status') };
}

test('defined once as sync-button; importing the module again defines nothing twice', async () => {
  assert.equal(customElements.get('sync-button'), SyncButtonElement);
  await import('../../main/js/sync-button.js?again');
  assert.equal(customElements.get('sync-button'), SyncButtonElement);
});

test('idle: the own label inside a native button, a polite live region, data-state and aria-busy', () => {
  const { el, button, label, status } = mount();
  assert.equal(el.dataset.state, 'idle');
  assert.equal(el.getAttribute('aria-busy'), 'false');
  assert.equal(button.tagName, 'BUTTON');
  assert.equal(button.type, 'button');
  assert.equal(button.disabled, false);
  assert.equal(label.textContent, 'Confirm booking 1001');
  assert.equal(label.childNodes[1].tagName, 'B', 'the label keeps its markup');
  assert.equal(status.getAttribute('role'), 'status');
  assert.equal(status.getAttribute('aria-live'), 'polite');
});

test('a click sends one call; pending is disabled and shows the loading text and attempt n of m', () => {
  const { el, mutation, button, label, progress } = mount({ 'loading-text': 'Confirming…', progress: '' });
  button.click();
  assert.equal(mutation.calls.length, 1);
  assert.deepEqual(mutation.calls[0].variables, { id: '1001' });
  assert.equal(el.call, mutation.calls[0]);
  assert.equal(el.dataset.state, 'pending');
  assert.equal(el.getAttribute('aria-busy'), 'true');
  assert.equal(button.disabled, true);
  assert.equal(label.textContent, 'Confirming…');
  assert.equal(progress.textContent, 'attempt 1 of 3');
  assert.equal(progress.hidden, false);

  button.click(); // disabled: a browser does not even dispatch it
  el.querySelector('.sync-button-label').dispatchEvent({ type: 'click', bubbles: true, target: null });
  assert.equal(mutation.calls.length, 1, 'no second call while pending');

  mutation.calls[0].set('pending', { attempt: 2 });
  assert.equal(progress.textContent, 'attempt 2 of 3');
});

test('success: the success text, announced, sync-success once, then idle with the own label after success-duration', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { el, mutation, button, label, status, fired } = mount({ 'success-text': 'Confirmed ✓', 'success-duration': '1500' });
  button.click();
  const call = mutation.calls[0];
  call.set('success', { data: { id: '1001', confirmations: 1 } });
  assert.equal(el.dataset.state, 'success');
  assert.equal(button.disabled, false);
  assert.equal(label.textContent, 'Confirmed ✓');
  assert.equal(status.textContent, 'Confirmed ✓');
  assert.equal(fired.length, 1);
  const [type, target, detail] = fired[0];
  assert.equal(type, 'sync-success');
  assert.equal(target, el);
  assert.equal(detail.call, call);
  assert.deepEqual(detail.data, { id: '1001', confirmations: 1 });
  assert.equal(call.listenerCount(), 0, 'a settled call is no longer followed');

  call.set('success', { data: { id: '1001', confirmations: 1 } }); // a late duplicate notification
  assert.equal(fired.length, 1, 'fired once per call');

  t.mock.timers.tick(1499);
  assert.equal(el.dataset.state, 'success');
  t.mock.timers.tick(1);
  assert.equal(el.dataset.state, 'idle');
  assert.equal(label.textContent, 'Confirm booking 1001');
  assert.equal(label.childNodes[1].tagName, 'B');
  assert.equal(status.textContent, 'Confirmed ✓', 'the last outcome stays readable');
});

test('a new click during the success time is a new call, and the old timer does not reset it', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { el, mutation, button } = mount({ 'success-duration': '1000' });
  button.click();
  mutation.calls[0].set('success', { data: {} });
  t.mock.timers.tick(500);
  button.click();
  assert.equal(mutation.calls.length, 2);
  t.mock.timers.tick(600);
  assert.equal(el.dataset.state, 'pending', 'still the second call');
});

test('error: data-state error, the problem announced, sync-error with it, enabled for another try', () => {
  const { el, mutation, button, label, status, fired } = mount({ 'loading-text': 'Confirming…' });
  button.click();
  const problem = { title: 'Booking not found', status: 404, detail: 'no booking 1001' };
  mutation.calls[0].set('error', { problem });
  assert.equal(el.dataset.state, 'error');
  assert.equal(el.getAttribute('aria-busy'), 'false');
  assert.equal(button.disabled, false);
  assert.equal(label.textContent, 'Confirm booking 1001');
  assert.equal(status.textContent, 'Failed: Booking not found: no booking 1001');
  assert.deepEqual(fired.map(([type, , d]) => [type, d.problem]), [['sync-error', problem]]);
  button.click();
  assert.equal(mutation.calls.length, 2, 'a new call, a new key');
});

test('queued is announced and not busy; its replay later ends in success and fires then', () => {
  const { el, mutation, button, status, fired } = mount();
  button.click();
  const call = mutation.calls[0];
  call.set('queued');
  assert.equal(el.dataset.state, 'queued');
  assert.equal(button.disabled, false);
  assert.match(status.textContent, /sent when the connection is back/);
  assert.equal(fired.length, 0);
  call.set('pending', { attempt: 1 });
  call.set('success', { data: { ok: true } });
  assert.equal(el.dataset.state, 'success');
  assert.equal(fired.length, 1);
});

test('dead shows as error and fires sync-error', () => {
  const { el, mutation, button, fired } = mount();
  button.click();
  mutation.calls[0].set('dead', { problem: { title: 'Gone' } });
  assert.equal(el.dataset.state, 'error');
  assert.equal(fired[0][0], 'sync-error');
});

test('confirm: the dialog asks; cancel and Escape send nothing, OK sends one call', async () => {
  const { el, mutation, button } = mount({ confirm: 'Confirm booking 1001?', 'confirm-text': 'Yes', 'cancel-text': 'No' });
  button.click();
  const dialog = el.querySelector('.sync-button-dialog');
  assert.equal(dialog.open, true);
  assert.equal(dialog.querySelector('p').textContent, 'Confirm booking 1001?');
  assert.equal(doc.activeElement, dialog.querySelector('.sync-button-cancel'), 'the safe choice has the focus');
  assert.equal(button.disabled, true, 'no second dialog or call while it is open');
  dialog.querySelector('.sync-button-cancel').click();
  await new Promise(setImmediate);
  assert.equal(dialog.open, false);
  assert.equal(mutation.calls.length, 0);
  assert.equal(button.disabled, false);
  assert.equal(el.dataset.state, 'idle');

  button.click();
  dialog.close(); // Escape
  await new Promise(setImmediate);
  assert.equal(mutation.calls.length, 0);

  button.click();
  dialog.querySelector('.sync-button-ok').click();
  await new Promise(setImmediate);
  assert.equal(mutation.calls.length, 1);
  assert.equal(el.dataset.state, 'pending');
});

test('the disabled attribute disables the button whatever the state', () => {
  const { el, mutation, button } = mount();
  el.setAttribute('disabled', '');
  assert.equal(button.disabled, true);
  button.click();
  assert.equal(mutation.calls.length, 0);
  el.removeAttribute('disabled');
  assert.equal(button.disabled, false);
});

test('no mutation, or a mutate that throws: error with the reason, nothing thrown at the page', () => {
  const { el, button, status, fired } = mount({}, null);
  button.click();
  assert.equal(el.dataset.state, 'error');
  assert.equal(status.textContent, 'Failed: sync-button has no mutation');
  assert.equal(fired[0][2].call, null);
  el.mutation = { mutate() { throw new RangeError('the offline queue is full'); } };
  button.click();
  assert.equal(status.textContent, 'Failed: the offline queue is full');
});
