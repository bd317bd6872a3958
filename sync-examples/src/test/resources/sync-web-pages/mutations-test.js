// The pages' mutations before sync.js exists: a test-only stand-in with sync.js's call contract
// (key, state, subscribe, result, confirmed, cancel) that really fetches, one UUIDv7 key per call
// on every attempt, retrying 5xx (honouring Retry-After), 408, 425, 429 and network errors.
// SyncWebComponentsBrowserTest uses mutations-sync.js instead once the WebJar has sync.js.
import { newKey as testNewKey } from '/webjars/closedloop-sync/key.js';

const TEST_RETRYABLE = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

globalThis.makeMutation = (name, { method, url, body, maxAttempts = 3, delayMs = 200 }) => ({
  mutate(vars) {
    const listeners = new Set();
    const call = {
      key: testNewKey(),
      state: { status: 'pending', attempt: 0, maxAttempts, data: undefined, problem: undefined },
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      cancel() {},
    };
    const set = (status, more) => {
      call.state = { ...call.state, status, ...more };
      for (const l of [...listeners]) l(call.state);
    };
    call.result = (async () => {
      let problem = { title: 'Not sent' };
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        set('pending', { attempt });
        let wait = delayMs;
        try {
          const response = await fetch(typeof url === 'function' ? url(vars) : url, {
            method,
            headers: { 'Content-Type': 'application/json', 'Idempotency-Key': call.key },
            body: JSON.stringify(typeof body === 'function' ? body(vars) : body ?? {}),
          });
          const payload = JSON.parse((await response.text()) || '{}');
          if (response.ok) {
            set('success', { data: payload });
            return payload;
          }
          problem = payload;
          if (!TEST_RETRYABLE.has(response.status)) break;
          const after = Number(response.headers.get('Retry-After'));
          if (after > 0) wait = after * 1000;
        } catch (e) {
          problem = { title: 'Network error', detail: String(e?.message ?? e) };
        }
        if (attempt < maxAttempts) await new Promise((r) => setTimeout(r, wait));
      }
      set('error', { problem });
      throw Object.assign(new Error(problem.title), { problem });
    })();
    call.result.catch(() => {});
    call.confirmed = new Promise(() => {});
    return call;
  },
});
globalThis.mutationsFrom = 'test stand-in';
