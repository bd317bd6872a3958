// Types of sync.js: Closed Loop Sync for web pages.

/** The states of a call, those of the Java client's MutationState. */
export type CallStatus = 'idle' | 'pending' | 'success' | 'error' | 'queued' | 'dead';

/** An RFC 9457 problem: the server's, or one the client made (see PROBLEMS). */
export interface Problem {
  type?: string;
  title: string;
  status?: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

/** A snapshot of a call's state; a new frozen object on every change. */
export interface CallState<TData = unknown> {
  readonly status: CallStatus;
  /** The attempt in progress or last made, 1-based (0 before any call). */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** The response body once `success`. */
  readonly data: TData | undefined;
  /** The last failure's problem: while retrying or queued, and once `error` or `dead`. */
  readonly problem: Problem | undefined;
  /** Epoch ms of the next attempt while waiting between attempts. */
  readonly nextRetryAt?: number;
  /** True once `success` if the server replayed its stored answer (`Idempotent-Replayed`). */
  readonly replayed?: boolean;
}

/** A change event (sync-realtime/WIRE-FORMAT.md). */
export interface ChangeEvent<T = unknown> {
  topic: string;
  type: 'INSERT' | 'UPDATE' | 'DELETE' | 'BROADCAST';
  position: number;
  time: string;
  key?: string;
  /** base64url SHA-256 of the causing request's Idempotency-Key. */
  idempotencyKeyDigest?: string;
  new?: T;
  old?: T;
}

/** The stream could not resume `topic` at the page's position: refetch that topic's state. */
export interface ResetEvent {
  topic: string;
  position: number;
  reason: string;
}

export type StreamStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface SubscribeHandlers {
  onEvent?(event: ChangeEvent): void;
  onReset?(reset: ResetEvent): void;
  onStatus?(status: StreamStatus): void;
}

/**
 * One call: one idempotency key, sent with every attempt and every replay. Listeners are called
 * in order, each isolated (a throwing listener is reported, the others still run).
 */
export interface Call<TVars = unknown, TData = unknown> {
  /** The call's UUIDv7, its `Idempotency-Key`. */
  readonly key: string;
  readonly vars: TVars;
  readonly state: CallState<TData>;
  /** Calls `listener(state)` on each change (not at once); returns the function that stops it. */
  subscribe(listener: (state: CallState<TData>) => void): () => void;
  /** The response body; rejects with a SyncError on `error` or `dead`. */
  readonly result: Promise<TData>;
  /** Resolves when the change event carrying this call's key arrives: the loop closed. */
  readonly confirmed: Promise<ChangeEvent>;
  /** Stops retries and replays and removes the queued item; `error` with problem type cancelled. */
  cancel(): void;
}

export type Priority = 'high' | 'normal' | 'low';

export interface MutationOptions<TVars> {
  /** Default `POST`. */
  method?: string;
  /** Resolved against the client's baseUrl. */
  url: string | ((vars: TVars) => string);
  /** Sent as JSON (a string as it is); default: the variables. */
  body?: unknown | ((vars: TVars) => unknown);
  /** Static headers; secret ones (offline.secretHeaders) are never stored. */
  headers?: Record<string, string>;
  /** Calls with the same scope are sent one at a time, in order, live and on replay. */
  scope?: (vars: TVars) => string | null | undefined;
  /** Orders replays of the offline queue; default `normal`. */
  priority?: Priority;
  /** Applies an optimistic update and returns its rollback, called on `error` and `dead`. */
  optimistic?: (vars: TVars) => (() => void) | void;
}

export interface Mutation<TVars = unknown, TData = unknown> {
  readonly name: string;
  /** The state of the latest call (`idle` before the first). */
  readonly state: CallState<TData>;
  /** Starts a call, or returns the call in flight (pending or queued) for equal variables. */
  mutate(vars: TVars): Call<TVars, TData>;
  /** Calls `listener(state, call)` on each state change of any of its calls. */
  subscribe(listener: (state: CallState<TData>, call: Call<TVars, TData>) => void): () => void;
}

export interface RetryOptions {
  /** Default 3. */
  maxAttempts?: number;
  /** Default 1000. */
  initialDelayMs?: number;
  /** Default 30000. */
  maxDelayMs?: number;
  /** Default 2. */
  multiplier?: number;
}

/** A stored request (headers left out). */
export interface QueuedItem {
  key: string;
  name: string;
  method: string;
  url: string;
  scope: string | null;
  priority: Priority;
  attempts: number;
  createdAt: number;
  nextAt: number;
  problem: Problem | null | undefined;
  dead?: { reason: 'ttl' | 'max-attempts' | 'refused'; at: number; problem: Problem };
}

/** One table in a store transaction (IndexedDB's object store, or a Map in memory). */
export interface StoreTable {
  get(key: string): Promise<any>;
  put(record: object): Promise<unknown>;
  delete(key: string): Promise<unknown>;
  all(): Promise<any[]>;
}

/**
 * Where the queue keeps items: IndexedDB (idbStore) by default, memoryStore in tests. Its one
 * operation runs `work(items, meta)` as one atomic transaction and resolves with its value.
 */
export interface QueueStore {
  tx<T>(work: (items: StoreTable, meta: StoreTable) => Promise<T>): Promise<T>;
}

export interface OfflineOptions {
  /** Default 500; a full queue refuses new calls (problem type queue-full). */
  maxItems?: number;
  /** Default 7 days; older items become dead letters. */
  ttlMs?: number;
  /** Attempts (live and replayed) before an item becomes a dead letter; default 10. */
  maxAttempts?: number;
  /** Header names never written to storage; default `['Authorization']`. */
  secretHeaders?: string[];
  /** Delay before probing an unreachable server again; default 5000. */
  probeIntervalMs?: number;
  /** IndexedDB database name; default `closedloop-sync`. */
  dbName?: string;
  store?: QueueStore;
}

export interface RealtimeOptions {
  /** The SSE endpoint (RealtimeSseServlet), resolved against baseUrl. */
  url: string;
  withCredentials?: boolean;
}

/** The platform pieces the client uses; tests replace them. */
export interface SyncEnvironment {
  fetch: typeof fetch;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
  random(): number;
  locks: LockManager | undefined;
  indexedDB: IDBFactory | undefined;
  onLine(): boolean | undefined;
  events: EventTarget | null;
  /** Where stream cursors are kept; default sessionStorage (per tab, survives a reload). */
  storage: Pick<Storage, 'getItem' | 'setItem'> | undefined;
  EventSource: typeof EventSource | undefined;
}

export type HeadersRecord = Record<string, string>;

export interface SyncOptions {
  /** Default: the page's origin. */
  baseUrl?: string;
  /** Called on every attempt and every replay; never persisted (tokens go here). */
  headers?: () => HeadersRecord | Promise<HeadersRecord>;
  retry?: RetryOptions;
  /** The whole call's deadline; default 30000. */
  timeoutMs?: number;
  /** Each attempt's timeout (AbortController); default none but the deadline. */
  attemptTimeoutMs?: number;
  /** The offline queue's options, or false for none. */
  offline?: OfflineOptions | false;
  realtime?: RealtimeOptions;
  /** fetch's credentials; default `same-origin`. */
  credentials?: RequestCredentials;
  env?: Partial<SyncEnvironment>;
}

export interface OfflineQueueView {
  /** Items waiting for delivery, in-flight ones included. */
  pending(): Promise<QueuedItem[]>;
  /** Dead letters: expired, out of attempts, or refused by the server on replay. */
  dead(): Promise<QueuedItem[]>;
  /** Removes every stored item; this page's queued calls are cancelled. */
  clear(): Promise<void>;
  /** Calls `listener()` when this page changes the queue. */
  subscribe(listener: () => void): () => void;
}

/** The browser client; one per page. */
export declare class SyncClient {
  static create(options?: SyncOptions): SyncClient;
  readonly queue: OfflineQueueView;
  mutation<TVars = unknown, TData = unknown>(name: string, options: MutationOptions<TVars>): Mutation<TVars, TData>;
  /** Replays the offline queue now (unless another tab is); resolves when the round is over. */
  syncNow(): Promise<void>;
  subscribe(topics: string | string[], handlers?: SubscribeHandlers): () => void;
  latest(topic: string, key: string): ChangeEvent | undefined;
  awaitChange(topic: string, predicate: (event: ChangeEvent) => boolean, timeoutMs: number): Promise<ChangeEvent>;
  close(): void;
}

/** A call's failure, with the problem. */
export declare class SyncError extends Error {
  readonly problem: Problem;
  readonly status: number | undefined;
  readonly key: string;
  readonly attempts: number;
}

export declare class QueueFullError extends Error {
  readonly maxItems: number;
}

/** The problem types the client itself produces. */
export declare const PROBLEMS: {
  readonly network: string;
  readonly timeout: string;
  readonly cancelled: string;
  readonly queueFull: string;
  readonly deadLetter: string;
};

export declare function keyDigest(key: string): Promise<string>;
export declare function newKey(now?: number, random?: Uint8Array): string;
export declare function isRetryableStatus(status: number, problemType: string | null | undefined, hasRetryAfter: boolean): boolean;
export declare function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null;
export declare function memoryStore(): QueueStore;
export declare function idbStore(options?: { dbName?: string; indexedDB?: IDBFactory }): QueueStore;
