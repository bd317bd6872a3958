package dev.closedloop.sync.micrometer;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.Idempotency;
import dev.closedloop.sync.idempotency.IdempotencyBuilder;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyListener;
import dev.closedloop.sync.idempotency.IdempotencyStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Meters for the plain-Java {@link Idempotency} (message consumers, jobs): the same names as
 * {@link IdempotencyFilterMetrics}'s, so one dashboard shows both, told apart by the {@code name}
 * tag. Outcomes are read from {@linkplain Idempotency#stats() its stats} when the registry is
 * scraped; the claim timer is fed by this object as the instance's {@link IdempotencyListener}.
 *
 * <pre>{@code
 * Idempotency ledger = new IdempotencyMetrics(registry, "ledger")
 *     .build(Idempotency.builder().store(store));
 * }</pre>
 *
 * <ul>
 *   <li>{@code sync.idempotency.requests} (function counter, tag {@code outcome}): calls that ran
 *       the work the {@code first} time, were {@code replayed} the stored result, met the key in
 *       progress ({@code conflict}), reused the key for other work ({@code mismatch}), or found
 *       a result that was not kept ({@code not_replayable}). (The filter's {@code rejected} has no
 *       counterpart: a call's bad arguments throw before any claim.)
 *   <li>{@code sync.idempotency.stored}, {@code sync.idempotency.stored.bytes}, {@code
 *       sync.idempotency.released}, {@code sync.idempotency.ownership.lost}, {@code
 *       sync.idempotency.store.failures} (function counters): as for the filter.
 *   <li>{@code sync.idempotency.claims} (timer, tag {@code outcome}): how long the store took to
 *       answer a claim.
 * </ul>
 *
 * Give each instance (and each filter) its own {@code name}: meters of one name and tags are one
 * meter, read from whichever bound it first.
 *
 * <p>This class is threadsafe.
 */
public final class IdempotencyMetrics implements IdempotencyListener {
  private static final IdempotencyMeters.Counts<IdempotencyStats> COUNTS =
      new IdempotencyMeters.Counts<>(Map.of(
              "first", IdempotencyStats::first,
              "replayed", IdempotencyStats::replayed,
              "conflict", IdempotencyStats::conflicts,
              "mismatch", IdempotencyStats::mismatches,
              "not_replayable", IdempotencyStats::notReplayable),
          IdempotencyStats::stored, IdempotencyStats::storedBytes, IdempotencyStats::released,
          IdempotencyStats::ownershipLost, IdempotencyStats::storeFailures);

  private final IdempotencyMeters meters;

  /**
   * Registers the claim timer of the instance called {@code name}; {@link #bind} registers the rest.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public IdempotencyMetrics(MeterRegistry registry, String name) {
    this(registry, name, Tags.empty());
  }

  /**
   * Registers the claim timer of the instance called {@code name}, with {@code tags} added to
   * every meter; {@link #bind} registers the rest.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public IdempotencyMetrics(MeterRegistry registry, String name, Iterable<Tag> tags) {
    this.meters = new IdempotencyMeters(registry, name, tags);
  }

  /**
   * Adds this listener to {@code builder}, builds the instance and {@linkplain #bind binds} it.
   *
   * @return the built instance
   * @throws NullPointerException if {@code builder} is null
   */
  public Idempotency build(IdempotencyBuilder builder) {
    Objects.requireNonNull(builder, "builder cannot be null");
    return bind(builder.listener(this).build());
  }

  /**
   * Registers the function counters read from {@code idempotency}'s stats (without the claim
   * timer unless this object is also its listener).
   *
   * @return {@code idempotency}
   * @throws NullPointerException if {@code idempotency} is null
   */
  public Idempotency bind(Idempotency idempotency) {
    Objects.requireNonNull(idempotency, "idempotency cannot be null");
    meters.bind(idempotency, Idempotency::stats, COUNTS);
    return idempotency;
  }

  @Override
  public void onClaim(IdempotencyKey key, ClaimResult result, long durationNanos) {
    meters.recordClaim(result, durationNanos);
  }

  @Override
  public String toString() {
    return "IdempotencyMetrics" + meters;
  }
}
