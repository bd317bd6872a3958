package dev.closedloop.sync.micrometer;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.servlet.IdempotencyFilterBuilder;
import dev.closedloop.sync.servlet.IdempotencyFilterListener;
import dev.closedloop.sync.servlet.IdempotencyFilterStats;
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
  private final MeterRegistry registry;
  private final Tags tags;
  private final Timer claimed;
  private final Timer completed;
  private final Timer inProgress;
  private final Timer mismatch;

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
    request(filter, "first", IdempotencyFilterStats::first);
    request(filter, "replayed", IdempotencyFilterStats::replayed);
    request(filter, "conflict", IdempotencyFilterStats::conflicts);
    request(filter, "mismatch", IdempotencyFilterStats::mismatches);
    request(filter, "not_replayable", IdempotencyFilterStats::notReplayable);
    request(filter, "rejected", IdempotencyFilterStats::rejected);
    counter(filter, "sync.idempotency.stored", "Responses or results stored as their key's result", null,
        IdempotencyFilterStats::stored);
    counter(filter, "sync.idempotency.stored.bytes", "Total size of the responses or results stored", "bytes",
        IdempotencyFilterStats::storedBytes);
    counter(filter, "sync.idempotency.released", "Claims released so that a retry runs again", null,
        IdempotencyFilterStats::released);
    counter(filter, "sync.idempotency.ownership.lost", "Completions or releases that found the key taken over",
        null, IdempotencyFilterStats::ownershipLost);
    counter(filter, "sync.idempotency.store.failures", "Idempotency store calls that failed", null,
        IdempotencyFilterStats::storeFailures);
    return filter;
  }

  private void request(IdempotencyFilter filter, String outcome, ToDoubleFunction<IdempotencyFilterStats> f) {
    FunctionCounter.builder("sync.idempotency.requests", filter, x -> read(x, f))
        .description("Requests or calls the idempotency layer handled, by outcome")
        .tags(tags)
        .tag("outcome", outcome)
        .register(registry);
  }

  private void counter(IdempotencyFilter filter, String name, String description,
      @Nullable String unit, ToDoubleFunction<IdempotencyFilterStats> f) {
    FunctionCounter.builder(name, filter, x -> read(x, f))
        .description(description)
        .baseUnit(unit)
        .tags(tags)
        .register(registry);
  }

  /** Reads the filter's stats; 0 for a container-made filter not initialised yet (it saw nothing). */
  private static double read(IdempotencyFilter filter, ToDoubleFunction<IdempotencyFilterStats> f) {
    IdempotencyFilterStats stats;
    try {
      stats = filter.stats();
    } catch (IllegalStateException notInitialised) {
      return 0;
    }
    return f.applyAsDouble(stats);
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
    return "IdempotencyFilterMetrics" + tags;
  }
}
