// Change events over Server-Sent Events (sync-realtime/WIRE-FORMAT.md): one EventSource per
// client for the union of the subscribed topics; the last event id (a cursor) kept in storage per
// stream, so a reload resumes after it (`?lastEventId=`), nothing missed, nothing twice; a `reset`
// calls onReset; an event whose idempotencyKeyDigest is a call's confirms that call.
import { report } from './queue.js';

const CHANGE_EVENTS = ['insert', 'update', 'delete', 'broadcast'];
const RECENT = 1000; // digests of events seen lately, for events that beat their call's digest

/** base64url (no padding) of the SHA-256 of the key's UTF-8 bytes: the events' idempotencyKeyDigest. */
export async function keyDigest(key) {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
  let binary = '';
  for (const b of hash) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export class Realtime {
  constructor(options, env, baseUrl) {
    this.options = options;
    this.env = env;
    this.baseUrl = baseUrl;
    this.subscriptions = new Set();
    this.source = null;
    this.latestByTopic = new Map();
    this.waiting = new Map(); // digest → call
    this.recent = new Map(); // digest → event
  }

  /** Starts watching for the event that confirms `call` (only with a stream configured). */
  watch(call) {
    if (!this.options) return;
    keyDigest(call.key).then((digest) => {
      const seen = this.recent.get(digest);
      if (seen) { call.confirm(seen); return; }
      this.waiting.set(digest, call);
      if (this.waiting.size > RECENT) this.waiting.delete(this.waiting.keys().next().value);
      call.result.catch(() => this.waiting.delete(digest));
    }, report);
  }

  subscribe(topics, handlers = {}) {
    if (!this.options?.url) throw new TypeError('realtime.url is not set: SyncClient.create({ realtime: { url } })');
    const list = (Array.isArray(topics) ? topics : [topics]).map(String);
    if (list.length === 0) throw new TypeError('topics cannot be empty');
    const sub = { topics: new Set(list), handlers };
    this.subscriptions.add(sub);
    this.open();
    return () => {
      if (this.subscriptions.delete(sub)) this.open();
    };
  }

  latest(topic, key) {
    return this.latestByTopic.get(topic)?.get(key);
  }

  awaitChange(topic, predicate, timeoutMs) {
    return new Promise((resolve, reject) => {
      let timer;
      const unsubscribe = this.subscribe([topic], {
        onEvent: (event) => {
          if (event.topic !== topic || !predicate(event)) return;
          this.env.clearTimeout(timer);
          unsubscribe();
          resolve(event);
        },
      });
      timer = this.env.setTimeout(() => {
        unsubscribe();
        reject(new Error(`no matching change on ${topic} within ${timeoutMs} ms`));
      }, timeoutMs);
    });
  }

  close() {
    this.subscriptions.clear();
    this.open();
  }

  /** The storage key of a stream's cursor: the stream's URL with its topics, sorted. */
  cursorKey(topics) {
    return `closedloop-sync:cursor:${new URL(this.options.url, this.baseUrl).href}?topics=${topics}`;
  }

  /** (Re)opens the stream for the union of the subscriptions' topics, or closes it if none. */
  open() {
    const topics = [...new Set([...this.subscriptions].flatMap((s) => [...s.topics]))].sort().join(',');
    if (this.source && this.topics === topics) return;
    this.source?.close();
    this.source = null;
    this.topics = topics;
    if (!topics) return;
    const storage = this.env.storage;
    const cursorKey = this.cursorKey(topics);
    const url = new URL(this.options.url, this.baseUrl);
    url.searchParams.set('topics', topics);
    const cursor = storage?.getItem(cursorKey);
    if (cursor) url.searchParams.set('lastEventId', cursor);
    const source = new this.env.EventSource(url.href, { withCredentials: !!this.options.withCredentials });
    this.source = source;
    const status = (s) => this.each((h) => h.onStatus?.(s));
    status('connecting');
    source.onopen = () => status('open');
    source.onerror = () => status(source.readyState === 2 ? 'closed' : 'reconnecting');
    const keep = (id) => { if (id) { try { storage?.setItem(cursorKey, id); } catch (e) { report(e); } } };
    source.addEventListener('subscribed', (e) => keep(e.lastEventId));
    for (const name of CHANGE_EVENTS) {
      source.addEventListener(name, (e) => {
        const event = JSON.parse(e.data);
        this.deliver(event);
        keep(e.lastEventId);
      });
    }
    source.addEventListener('reset', (e) => {
      const reset = JSON.parse(e.data);
      this.each((h, sub) => { if (sub.topics.has(reset.topic)) h.onReset?.(reset); });
      keep(e.lastEventId);
    });
  }

  deliver(event) {
    if (event.key != null) {
      let byKey = this.latestByTopic.get(event.topic);
      if (!byKey) this.latestByTopic.set(event.topic, (byKey = new Map()));
      byKey.set(event.key, event);
    }
    const digest = event.idempotencyKeyDigest;
    if (digest) {
      this.recent.set(digest, event);
      if (this.recent.size > RECENT) this.recent.delete(this.recent.keys().next().value);
      const call = this.waiting.get(digest);
      if (call) {
        this.waiting.delete(digest);
        call.confirm(event);
      }
    }
    this.each((h, sub) => { if (sub.topics.has(event.topic)) h.onEvent?.(event); });
  }

  each(fn) {
    for (const sub of [...this.subscriptions]) {
      try { fn(sub.handlers, sub); } catch (e) { report(e); }
    }
  }
}
