// The React adapter's page, bundled by the test with esbuild (React from sync-web's dev tools,
// react.js from sync-web's sources): a component on useSyncMutation and a <SyncButton>, both on
// the demo's booking endpoint.
import { createRoot } from 'react-dom/client';
import { useSyncMutation, SyncButton } from 'closedloop-sync/react'; // sync-web's react.js

const confirmBooking = globalThis.makeMutation('confirmBooking', {
  method: 'POST',
  url: (v) => `/api/bookings/${encodeURIComponent(v.id)}/confirm`,
  body: () => ({}),
});

const seen = (globalThis.hookTrace = []);

function HookPanel() {
  const { mutate, state, isPending, isError, isSuccess, data, error, progress } = useSyncMutation(confirmBooking);
  const line = isPending ? `pending ${progress.attempt}/${progress.maxRetries}`
    : isSuccess ? `success ${data.id} ${data.confirmations}`
      : isError ? `error ${error?.status}` : state.status;
  if (seen[seen.length - 1] !== line) seen.push(line);
  return (
    <div>
      <button id="hook-1003" disabled={isPending} onClick={() => mutate({ id: '1003' })}>Confirm 1003</button>
      <button id="hook-missing" disabled={isPending} onClick={() => mutate({ id: 'nope' })}>Confirm nope</button>
      <output id="hook-state" data-status={state.status}>{line}</output>
    </div>
  );
}

function App() {
  return (
    <main>
      <h1>React adapter</h1>
      <HookPanel />
      <SyncButton id="react-button" mutation={confirmBooking} variables={{ id: '1004' }} loadingText="Confirming…"
        successText="Confirmed ✓" successDuration={1500} progress
        onSuccess={(b) => globalThis.fired.push(`react-button:onSuccess:${b.id}`)}
        onError={(p) => globalThis.fired.push(`react-button:onError:${p?.status}`)}>
        Confirm booking 1004
      </SyncButton>
    </main>
  );
}

const root = document.getElementById('root');
createRoot(root).render(<App />);
const ready = setInterval(() => {
  const button = document.getElementById('react-button');
  if (!button) return;
  clearInterval(ready);
  globalThis.traceStates('react-button', root, () => ({
    state: button.dataset.state,
    progress: button.querySelector('.sync-button-progress')?.textContent ?? '',
    disabled: button.disabled,
    busy: button.getAttribute('aria-busy'),
    label: button.querySelector('.sync-button-label').textContent,
    status: root.querySelector('.sync-button-status').textContent,
  }));
  document.body.dataset.ready = 'true';
}, 10);
