// Where the offline queue keeps its items: IndexedDB in a browser, memory in tests. A store has
// one operation, `tx(work)`: it runs `work(items, meta)` as one atomic transaction (IndexedDB's,
// or one at a time in memory) and resolves with its value. Each table has async `get(key)`,
// `put(record)`, `delete(key)` and `all()`; what the queue does with them is in queue.js.
//
// IndexedDB layout, version 1 (database `closedloop-sync` by default):
//
//   object store `items`, keyPath `key` — one record per call not yet answered by the server:
//     v          1 (the record format's version; a reader skips records of another version)
//     key        the call's Idempotency-Key (UUIDv7), sent with every attempt and replay
//     name       the mutation's name
//     method     HTTP method
//     url        absolute URL
//     body       the request body as sent (a string), or null
//     headers    { name: value } of the non-secret headers (secret ones are never written)
//     scope      string or null: items of one scope are sent one at a time, in `seq` order
//     priority   0 high, 1 normal, 2 low
//     seq        the store's insertion counter (meta `seq`), the order within a scope
//     createdAt  epoch ms when the call was made (the TTL counts from it)
//     attempts   attempts sent so far, live and replayed
//     nextAt     epoch ms before which a replay must not send it
//     owner      id of the page whose live call is sending it, or null (replayable)
//     ownerUntil epoch ms until which the owner counts as alive where Web Locks are missing
//     dead       null, or { reason, at, problem } once it became a dead letter
//     problem    the last failure's RFC 9457 problem, or null
//   object store `meta`, keyPath `name`: { name: 'seq', value } the last seq handed out;
//     { name: 'closedloop-sync:replay', holder, until } the replay lease where Web Locks are missing.

/**
 * An in-memory store (tests, or pages that want no persistence). Records are copied in and out
 * (structuredClone), as IndexedDB does, so a caller never shares an object with the store.
 */
export function memoryStore() {
  const table = (keyPath, records = new Map()) => ({
    get: async (key) => structuredClone(records.get(key)),
    put: async (record) => { records.set(record[keyPath], structuredClone(record)); },
    delete: async (key) => { records.delete(key); },
    all: async () => structuredClone([...records.values()]),
  });
  const items = table('key');
  const meta = table('name');
  let last = Promise.resolve();
  return {
    tx(work) { // one at a time, as IndexedDB runs overlapping readwrite transactions
      const run = last.then(() => work(items, meta));
      last = run.catch(() => {});
      return run;
    },
  };
}

/**
 * A store in IndexedDB (the layout above). Survives reloads and browser restarts.
 *
 * @param {{ dbName?: string, indexedDB?: IDBFactory }} [options]
 */
export function idbStore({ dbName = 'closedloop-sync', indexedDB = globalThis.indexedDB } = {}) {
  const req = (r) => new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const table = (s) => ({
    get: (key) => req(s.get(key)),
    put: (record) => req(s.put(record)),
    delete: (key) => req(s.delete(key)),
    all: () => req(s.getAll()),
  });
  let db;
  const open = () => {
    const r = indexedDB.open(dbName, 1);
    r.onupgradeneeded = () => {
      r.result.createObjectStore('items', { keyPath: 'key' });
      r.result.createObjectStore('meta', { keyPath: 'name' });
    };
    return req(r);
  };
  return {
    async tx(work) {
      const t = (await (db ??= open())).transaction(['items', 'meta'], 'readwrite');
      const committed = new Promise((resolve, reject) => {
        t.oncomplete = resolve;
        t.onabort = () => reject(t.error);
      });
      const value = work(table(t.objectStore('items')), table(t.objectStore('meta'))).catch((e) => {
        try { t.abort(); } catch { /* already over */ }
        throw e;
      });
      await Promise.all([value, committed]); // work's own error first, else the transaction's
      return value;
    },
  };
}
