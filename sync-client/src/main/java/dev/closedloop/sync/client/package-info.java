/**
 * The client side over {@code java.net.http}.
 *
 * <ul>
 *   <li>{@link dev.closedloop.sync.client.SyncMutation}: a mutation that sends one idempotency key
 *       per logical change on every attempt, retries what is worth retrying, exposes a state
 *       machine a UI binds to, supports optimistic updates and realtime confirmation, and queues
 *       what cannot be sent;
 *   <li>{@link dev.closedloop.sync.client.OfflineSync}: replays the queued requests from the
 *       durable offline queue, by priority and in order within a scope, with their keys, also
 *       after the app restarted; {@link dev.closedloop.sync.client.Connectivity} tells it when;
 *   <li>{@link dev.closedloop.sync.client.RealtimeClient}: subscribes to a {@code
 *       RealtimeSseServlet} stream, resumes with {@code Last-Event-ID}, reconnects with backoff and
 *       jitter, handles {@code reset}, and keeps a latest-state cache.
 * </ul>
 *
 * <p>The per-attempt pipeline is a chain of package-private interceptors (idempotency key →
 * circuit breaker → classification → send), with the retry core and the offline queue around it.
 */
@NullMarked
package dev.closedloop.sync.client;

import org.jspecify.annotations.NullMarked;
