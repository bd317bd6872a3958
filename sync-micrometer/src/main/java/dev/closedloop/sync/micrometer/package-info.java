/**
 * Micrometer meters for Closed Loop Sync, wired explicitly: nothing is discovered on the
 * classpath, and the core modules know nothing of Micrometer. Each class reads a component
 * through its own listener or stats API:
 *
 * <ul>
 *   <li>{@link dev.closedloop.sync.micrometer.RetryMetrics}: a {@code RetryListener} to add to a
 *       retry policy, plus a gauge of a shared {@code RetryBudget};
 *   <li>{@link dev.closedloop.sync.micrometer.BreakerMetrics}: a {@code
 *       CircuitBreakerListener} to add to the breaker's builder, plus gauges and counters over the
 *       built breaker;
 *   <li>{@link dev.closedloop.sync.micrometer.IdempotencyStoreMetrics}: the in-memory store's
 *       stats;
 *   <li>{@link dev.closedloop.sync.micrometer.IdempotencyFilterMetrics}: the servlet filter's
 *       stats and its claim latency (needs {@code sync-servlet});
 *   <li>{@link dev.closedloop.sync.micrometer.OfflineQueueMetrics}: an {@code
 *       OfflineQueueListener} plus gauges over the queue's stats;
 *   <li>{@link dev.closedloop.sync.micrometer.RealtimeMetrics}: a decorating {@code RealtimeBus}
 *       that counts publishes, deliveries, replays and resets and times the fan-out;
 *   <li>{@link dev.closedloop.sync.micrometer.RealtimeSseMetrics}: the SSE servlet's stats
 *       (needs {@code sync-servlet}).
 * </ul>
 *
 * <p>Every meter carries a {@code name} tag (the component's name) and the tags given to its
 * binder. The meter names are stable and listed, with their types and tags, in one table in the
 * project's README ("Metrics").
 *
 * <p>{@code sync-servlet} is an optional dependency of this module: only {@link
 * dev.closedloop.sync.micrometer.IdempotencyFilterMetrics} and {@link
 * dev.closedloop.sync.micrometer.RealtimeSseMetrics} refer to it, and an app that uses them
 * already has it (and a servlet container). Apps without it use the other classes, which never
 * load a servlet type.
 *
 * <p>Gauges and function counters read their component through a weak reference, as
 * Micrometer's own binders do: keep the component referenced for as long as it should be
 * measured (after it is collected they report {@code NaN}).
 */
@NullMarked
package dev.closedloop.sync.micrometer;

import org.jspecify.annotations.NullMarked;
