package dev.closedloop.sync.micrometer;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.Idempotency;
import dev.closedloop.sync.idempotency.IdempotencyBuilder;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyListener;
import dev.closedloop.sync.idempotency.IdempotencyStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

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
  private final MeterRegistry registry;
  private final Tags tags;
  private final Timer claimed;
  private final Timer completed;
  private final Timer inProgress;
  private final Timer mismatch;

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
    this.registry = Objects.requireNonNull(registry, "registry cannot be null");
    this.tags = Names.base(name, tags);
    this.claimed = claimTimer("claimed");
    this.completed = claimTimer("completed");
    this.inProgress = claimTimer("in_progress");
    this.mismatch = claimTimer("mismatch");
  }

  private Timer claimTimer(String outcome) {
    return Timer.builder("sync.idempotency.claims")
        .description("Time the idempotency store took to answer a claim, by its answer")
        .tags(tags)
        .tag("outcome", outcome)
        .register(registry);
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
    request(idempotency, "first", IdempotencyStats::first);
    request(idempotency, "replayed", IdempotencyStats::replayed);
    request(idempotency, "conflict", IdempotencyStats::conflicts);
    request(idempotency, "mismatch", IdempotencyStats::mismatches);
    request(idempotency, "not_replayable", IdempotencyStats::notReplayable);
    counter(idempotency, "sync.idempotency.stored", "Responses or results stored as their key's result", null,
        IdempotencyStats::stored);
    counter(idempotency, "sync.idempotency.stored.bytes", "Total size of the responses or results stored", "bytes",
        IdempotencyStats::storedBytes);
    counter(idempotency, "sync.idempotency.released", "Claims released so that a retry runs again", null,
        IdempotencyStats::released);
    counter(idempotency, "sync.idempotency.ownership.lost", "Completions or releases that found the key taken over",
        null, IdempotencyStats::ownershipLost);
    counter(idempotency, "sync.idempotency.store.failures", "Idempotency store calls that failed", null,
        IdempotencyStats::storeFailures);
    return idempotency;
  }

  private void request(Idempotency idempotency, String outcome, ToDoubleFunction<IdempotencyStats> f) {
    FunctionCounter.builder("sync.idempotency.requests", idempotency, x -> f.applyAsDouble(x.stats()))
        .description("Requests or calls the idempotency layer handled, by outcome")
        .tags(tags)
        .tag("outcome", outcome)
        .register(registry);
  }

  private void counter(Idempotency idempotency, String name, String description, @Nullable String unit,
      ToDoubleFunction<IdempotencyStats> f) {
    FunctionCounter.builder(name, idempotency, x -> f.applyAsDouble(x.stats()))
        .description(description)
        .baseUnit(unit)
        .tags(tags)
        .register(registry);
  }

  @Override
  public void onClaim(IdempotencyKey key, ClaimResult result, long durationNanos) {
    Timer timer;
    if (result instanceof ClaimResult.Claimed) {
      timer = claimed;
    } else if (result instanceof ClaimResult.Completed) {
      timer = completed;
    } else if (result instanceof ClaimResult.InProgress) {
      timer = inProgress;
    } else {
      timer = mismatch;
    }
    timer.record(durationNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public String toString() {
    return "IdempotencyMetrics" + tags;
  }
}
