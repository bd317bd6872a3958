import { syncButtonView, type SyncButtonMutation, type SyncButtonCallState } from '../../main/js/sync-button.js';

interface Booking { id: string; confirmations: number }

declare const mutation: SyncButtonMutation<{ id: string }>;

const button = document.createElement('sync-button'); // typed by HTMLElementTagNameMap
button.mutation = mutation;
button.variables = () => ({ id: 'b-1' });
button.setAttribute('success-duration', '1500');
button.addEventListener('sync-success', (e) => {
  const booking = e.detail.data as Booking;
  console.log(booking.id, e.detail.call.key);
});
button.addEventListener('sync-error', (e) => console.log(e.detail.problem, e.detail.state.status));
const found: HTMLElement | null = document.querySelector('sync-button');
console.log(found?.dataset.state);

const pending: SyncButtonCallState = { status: 'pending', attempt: 1, maxAttempts: 3 };
const view = syncButtonView(pending, { progress: true });
const text: string = view.progress;
// @ts-expect-error 'dead' is shown as 'error': it is not a data-state
const dead: typeof view.dataState = 'dead';
// @ts-expect-error a status is one of the call's states
syncButtonView({ status: 'loading' });
console.log(text, dead);
