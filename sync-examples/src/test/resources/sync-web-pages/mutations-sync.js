// The test pages' mutations, from sync.js as the WebJar serves it: 3 attempts, short backoff, no
// offline queue, so a call that runs out of attempts ends in `error` (with the queue: `queued`).
import { SyncClient } from '/webjars/closedloop-sync/sync.js';

const syncTestClient = SyncClient.create({
  retry: { maxAttempts: 3, initialDelayMs: 200, maxDelayMs: 1000, multiplier: 2 },
  offline: false,
});

globalThis.makeMutation = (name, { method, url, body }) => syncTestClient.mutation(name, { method, url, body });

// With the offline queue (IndexedDB, the defaults): what cannot be sent now waits as `queued`.
const syncQueueClient = SyncClient.create({ retry: { maxAttempts: 3, initialDelayMs: 200, maxDelayMs: 1000 } });
globalThis.makeQueuedMutation = (name, { method, url, body }) => syncQueueClient.mutation(name, { method, url, body });
