// Where the offline queue keeps its items: IndexedDB in a browser, memory in tests. Both stores
// have the same five async operations; each operation is atomic (one IndexedDB transaction).
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
//     dead       null, or { reason, at, problem } once it became a dead letter
//     problem    the last failure's RFC 9457 problem, or null
//   object store `meta`, keyPath `name`: { name: 'seq', value } the last seq handed out;
//     { name: 'lease:<lock>', holder, until } the lock fallback where Web Locks are missing.

export const ITEM_VERSION = 1;

/** Thrown (by add) when the queue already holds `maxItems` items; nothing stored is touched. */
export class QueueFullError extends Error {
  constructor(maxItems) {
    super(`the offline queue is full (${maxItems} items): the call was not stored`);
    this.name = 'QueueFullError';
    this.maxItems = maxItems;
  }
}

/**
 * An in-memory store (tests, or pages that want no persistence). Records are copied in and out
 * (structuredClone), as IndexedDB does, so a caller never shares an object with the store.
 */
export function memoryStore() {
  const items = new Map();
  const meta = new Map();
  let seq = 0;
  return {
    async add(item, maxItems) {
      if (items.size >= maxItems) throw new QueueFullError(maxItems);
      const stored = { ...structuredClone(item), seq: ++seq };
      items.set(item.key, stored);
      return structuredClone(stored);
    },
    async put(item) {
      if (items.has(item.key)) items.set(item.key, structuredClone(item));
    },
    async remove(key) {
      items.delete(key);
    },
    async all() {
      return [...items.values()].map((i) => structuredClone(i)).sort((a, b) => a.seq - b.seq);
    },
    async clear() {
      items.clear();
    },
    async lease(name, holder, until, now) {
      const l = meta.get(name);
      if (l && l.holder !== holder && l.until > now) return false;
      meta.set(name, { holder, until });
      return true;
    },
    async release(name, holder) {
      if (meta.get(name)?.holder === holder) meta.delete(name);
    },
  };
}

/**
 * A store in IndexedDB (the layout above). Survives reloads and browser restarts.
 *
 * @param {{ dbName?: string, indexedDB?: IDBFactory }} [options]
 */
export function idbStore({ dbName = 'closedloop-sync', indexedDB = globalThis.indexedDB } = {}) {
  let opened;
  const db = () => (opened ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(dbName, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore('items', { keyPath: 'key' });
      req.result.createObjectStore('meta', { keyPath: 'name' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  }));
  // Runs `work(stores)` in one transaction; resolves with its value once the transaction commits.
  const tx = async (mode, work) => {
    const d = await db();
    return new Promise((resolve, reject) => {
      const t = d.transaction(['items', 'meta'], mode);
      let value;
      t.oncomplete = () => resolve(value);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error ?? new Error('IndexedDB transaction aborted'));
      Promise.resolve(work(t.objectStore('items'), t.objectStore('meta'), t))
        .then((v) => { value = v; }, (e) => { reject(e); try { t.abort(); } catch { /* done */ } });
    });
  };
  const req = (r) => new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  return {
    add: (item, maxItems) => tx('readwrite', async (items, meta) => {
      const count = await req(items.count());
      if (count >= maxItems) throw new QueueFullError(maxItems);
      const last = await req(meta.get('seq'));
      const seq = (last?.value ?? 0) + 1;
      meta.put({ name: 'seq', value: seq });
      const stored = { ...item, seq };
      items.add(stored);
      return stored;
    }),
    // Only rewrites a record that is still there: a record removed by another page stays removed.
    put: (item) => tx('readwrite', async (items) => {
      if ((await req(items.count(item.key))) > 0) items.put(item);
    }),
    remove: (key) => tx('readwrite', (items) => { items.delete(key); }),
    all: () => tx('readonly', async (items) => (await req(items.getAll()))
      .filter((i) => i.v === ITEM_VERSION).sort((a, b) => a.seq - b.seq)),
    clear: () => tx('readwrite', (items) => { items.clear(); }),
    lease: (name, holder, until, now) => tx('readwrite', async (_, meta) => {
      const l = await req(meta.get(`lease:${name}`));
      if (l && l.holder !== holder && l.until > now) return false;
      meta.put({ name: `lease:${name}`, holder, until });
      return true;
    }),
    release: (name, holder) => tx('readwrite', async (_, meta) => {
      const l = await req(meta.get(`lease:${name}`));
      if (l?.holder === holder) meta.delete(`lease:${name}`);
    }),
  };
}
