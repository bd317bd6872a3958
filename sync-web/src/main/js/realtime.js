// Change events over Server-Sent Events (sync-realtime/WIRE-FORMAT.md): one EventSource per
// client for the union of the subscribed topics; the last event id (a cursor) kept in storage per
// stream, so a reload resumes after it (`?lastEventId=`), nothing missed, nothing twice; a `reset`
// calls onReset; an event whose idempotencyKeyDigest is a call's confirms that call.
import { listen, notify, report } from './listeners.js';

const WAITING_MAX = 1000; // calls waiting for their event; the oldest is forgotten past this

/** base64url (no padding) of the SHA-256 of the key's UTF-8 bytes: the events' idempotencyKeyDigest. */
export async function keyDigest(key) {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
  return btoa(String.fromCharCode(...hash)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The client's stream: `options` is `{ url, withCredentials }`, or null for none.
 * @param {object} env EventSource, storage, setTimeout, clearTimeout
 */
export function realtime(options, env, baseUrl) {
  const subscriptions = new Set(); // (handler name, payload) => void
  const latest = new Map(); // `${topic}\0${key}` → the newest event
  const waiting = new Map(); // digest → confirm(event) of a call
  let source;
  let topics = '';

  const emit = (name, payload) => notify(subscriptions, name, payload);

  /** (Re)opens the stream for the union of the subscriptions' topics, or closes it if none. */
  function open() {
    const wanted = [...new Set([...subscriptions].flatMap((s) => s.topics))].sort().join(',');
    if (wanted === topics) return;
    source?.close();
    source = null;
    topics = wanted;
    if (!wanted) return;
    const url = new URL(options.url, baseUrl);
    const cursorKey = `closedloop-sync:cursor:${url.href}?topics=${wanted}`;
    url.searchParams.set('topics', wanted);
    const cursor = env.storage?.getItem(cursorKey);
    if (cursor) url.searchParams.set('lastEventId', cursor);
    const s = (source = new env.EventSource(url.href, { withCredentials: !!options.withCredentials }));
    const status = (value) => emit('onStatus', value);
    status('connecting');
    s.onopen = () => status('open');
    s.onerror = () => status(s.readyState === 2 ? 'closed' : 'reconnecting');
    // handles one kind of event, then keeps its id: the cursor moves only past what was handled
    const on = (type, handle) => s.addEventListener(type, (e) => {
      handle?.(JSON.parse(e.data));
      try { if (e.lastEventId) env.storage?.setItem(cursorKey, e.lastEventId); } catch (x) { report(x); }
    });
    on('subscribed');
    on('reset', (reset) => emit('onReset', reset));
    for (const type of ['insert', 'update', 'delete', 'broadcast']) {
      on(type, (event) => {
        if (event.key != null) latest.set(`${event.topic}\0${event.key}`, event);
        waiting.get(event.idempotencyKeyDigest)?.(event);
        emit('onEvent', event);
      });
    }
  }

  /** Subscribes to change events of `topics` (a name or a list); returns the function that unsubscribes. */
  function subscribe(topicList, handlers = {}) {
    if (!options?.url) throw new TypeError('realtime.url is not set');
    const mine = [topicList].flat().map(String);
    if (!mine.length) throw new TypeError('topics cannot be empty');
    const subscription = (name, payload) => {
      if (name === 'onStatus' || mine.includes(payload.topic)) handlers[name]?.(payload);
    };
    subscription.topics = mine;
    const unlisten = listen(subscriptions, subscription);
    open();
    return () => { unlisten(); open(); };
  }

  return {
    subscribe,

    /** The newest event seen for (topic, entity key), or undefined. */
    latest: (topic, key) => latest.get(`${topic}\0${key}`),

    /** Resolves with the first event of `topic` matching `predicate`, rejects after `timeoutMs`. */
    awaitChange: (topic, predicate, timeoutMs) => new Promise((resolve, reject) => {
      const unsubscribe = subscribe(topic, {
        onEvent(event) {
          if (!predicate(event)) return;
          env.clearTimeout(timer);
          unsubscribe();
          resolve(event);
        },
      });
      const timer = env.setTimeout(() => {
        unsubscribe();
        reject(new Error(`no matching change on ${topic} within ${timeoutMs} ms`));
      }, timeoutMs);
    }),

    /**
     * Calls `confirm(event)` when the event carrying `key` arrives, if there is a stream. Resolves,
     * once listening (before the call's first attempt, so no event can beat it), with the
     * function that stops waiting.
     */
    async watch(key, confirm) {
      if (!options) return undefined;
      const digest = await keyDigest(key);
      waiting.set(digest, (event) => { waiting.delete(digest); confirm(event); });
      if (waiting.size > WAITING_MAX) waiting.delete(waiting.keys().next().value);
      return () => waiting.delete(digest);
    },

    close() {
      subscriptions.clear();
      open();
    },
  };
}
