// The pages' mutations from sync.js, the shipped client: no offline queue, so a call that runs
// out of attempts ends in `error` (with the queue it would be `queued`).
import { SyncClient } from '/webjars/closedloop-sync/sync.js';

const syncTestClient = SyncClient.create({
  retry: { maxAttempts: 3, initialDelayMs: 200, maxDelayMs: 1000, multiplier: 2 },
  offline: false,
});

globalThis.makeMutation = (name, { method, url, body }) => syncTestClient.mutation(name, { method, url, body });
globalThis.mutationsFrom = 'sync.js';
