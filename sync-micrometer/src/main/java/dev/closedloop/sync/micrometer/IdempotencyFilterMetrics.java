package dev.closedloop.sync.micrometer;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.servlet.IdempotencyFilterBuilder;
import dev.closedloop.sync.servlet.IdempotencyFilterListener;
import dev.closedloop.sync.servlet.IdempotencyFilterStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Meters for an {@link IdempotencyFilter}: its request outcomes, read from {@linkplain
 * IdempotencyFilter#stats() its stats} when the registry is scraped, and the latency of its
 * store's claims, heard as its {@link IdempotencyFilterListener}. Needs {@code sync-servlet} (an
 * optional dependency of this module).
 *
 * <pre>{@code
 * IdempotencyFilterMetrics metrics = new IdempotencyFilterMetrics(registry, "api");
 * IdempotencyFilter filter = metrics.build(IdempotencyFilter.builder().store(store));
 * }</pre>
 *
 * A filter configured from init-params (the no-argument constructor) has no listener: {@link
 * #bind(IdempotencyFilter)} alone still gives every meter but the claim timer, reading 0 until
 * the container has initialised the filter.
 *
 * <ul>
 *   <li>{@code sync.idempotency.requests} (function counter, tag {@code outcome}): keyed requests
 *       that ran for the {@code first} time, were {@code replayed}, met a key in progress ({@code
 *       conflict}, 409), reused a key for another request ({@code mismatch}, 422), found a
 *       completed response too large to replay ({@code not_replayable}, 409), or were {@code
 *       rejected} before a claim (400, 413).
 *   <li>{@code sync.idempotency.stored} (function counter): responses stored as their key's
 *       result (not-replayable ones included).
 *   <li>{@code sync.idempotency.stored.bytes} (function counter, bytes): the total size of the
 *       responses stored.
 *   <li>{@code sync.idempotency.released} (function counter): claims released after a server
 *       error or an exception, so a retry runs the request again.
 *   <li>{@code sync.idempotency.ownership.lost} (function counter): completions or releases that
 *       found the key taken over (the lease was too short).
 *   <li>{@code sync.idempotency.store.failures} (function counter): store calls that failed.
 *   <li>{@code sync.idempotency.claims} (timer, tag {@code outcome}: {@code claimed}, {@code
 *       completed}, {@code in_progress}, {@code mismatch}): how long the store took to answer a
 *       claim, measured by the filter on its ticker.
 * </ul>
 *
 * Every meter is tagged {@code name} and the tags given to the constructor.
 *
 * <p>This class is threadsafe.
 */
public final class IdempotencyFilterMetrics implements IdempotencyFilterListener {
  private static final IdempotencyMeters.Counts<IdempotencyFilterStats> COUNTS =
      new IdempotencyMeters.Counts<>(Map.of(
              "first", IdempotencyFilterStats::first,
              "replayed", IdempotencyFilterStats::replayed,
              "conflict", IdempotencyFilterStats::conflicts,
              "mismatch", IdempotencyFilterStats::mismatches,
              "not_replayable", IdempotencyFilterStats::notReplayable,
              "rejected", IdempotencyFilterStats::rejected),
          IdempotencyFilterStats::stored, IdempotencyFilterStats::storedBytes, IdempotencyFilterStats::released,
          IdempotencyFilterStats::ownershipLost, IdempotencyFilterStats::storeFailures);

  private final IdempotencyMeters meters;

  /**
   * Registers the claim timer of the filter called {@code name}; {@link #bind} registers the
   * rest.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public IdempotencyFilterMetrics(MeterRegistry registry, String name) {
    this(registry, name, Tags.empty());
  }

  /**
   * Registers the claim timer of the filter called {@code name}, with {@code tags} added to every
   * meter; {@link #bind} registers the rest.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public IdempotencyFilterMetrics(MeterRegistry registry, String name, Iterable<Tag> tags) {
    this.meters = new IdempotencyMeters(registry, name, tags);
  }

  /**
   * Adds this listener to {@code builder}, builds the filter and {@linkplain #bind binds} it.
   *
   * @return the built filter
   * @throws NullPointerException if {@code builder} is null
   */
  public IdempotencyFilter build(IdempotencyFilterBuilder builder) {
    Objects.requireNonNull(builder, "builder cannot be null");
    return bind(builder.listener(this).build());
  }

  /**
   * Registers the function counters read from {@code filter}'s stats.
   *
   * @return {@code filter}
   * @throws NullPointerException if {@code filter} is null
   */
  public IdempotencyFilter bind(IdempotencyFilter filter) {
    Objects.requireNonNull(filter, "filter cannot be null");
    meters.bind(filter, IdempotencyFilterMetrics::statsOrNull, COUNTS);
    return filter;
  }

  /** The filter's stats; null for a container-made filter not initialised yet (it saw nothing). */
  private static @Nullable IdempotencyFilterStats statsOrNull(IdempotencyFilter filter) {
    try {
      return filter.stats();
    } catch (IllegalStateException notInitialised) {
      return null;
    }
  }

  @Override
  public void onClaim(IdempotencyKey key, ClaimResult result, long durationNanos) {
    meters.recordClaim(result, durationNanos);
  }

  @Override
  public String toString() {
    return "IdempotencyFilterMetrics" + meters;
  }
}
