package dev.closedloop.sync.micrometer;

import dev.closedloop.sync.idempotency.ClaimResult;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * The {@code sync.idempotency.*} meters, written once for the two things that run the protocol:
 * the servlet filter ({@link IdempotencyFilterMetrics}) and the plain-Java API ({@link
 * IdempotencyMetrics}). Same names, descriptions and tags for both, so one dashboard shows both.
 * Not part of the API.
 */
final class IdempotencyMeters {
  private final MeterRegistry registry;
  private final Tags tags;
  private final Timer claimed;
  private final Timer completed;
  private final Timer inProgress;
  private final Timer mismatch;

  /**
   * What a bound source's stats say, read when the registry is scraped: the counter for each
   * {@code outcome} tag value of {@code sync.idempotency.requests}, then the other counters.
   */
  record Counts<S>(Map<String, ToDoubleFunction<S>> outcomes, ToDoubleFunction<S> stored,
      ToDoubleFunction<S> storedBytes, ToDoubleFunction<S> released, ToDoubleFunction<S> ownershipLost,
      ToDoubleFunction<S> storeFailures) {}

  /**
   * Registers the claim timer of the component called {@code name}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  IdempotencyMeters(MeterRegistry registry, String name, Iterable<Tag> tags) {
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

  /** Records how long the store took to answer a claim, by its answer. */
  void recordClaim(ClaimResult result, long durationNanos) {
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

  /** Registers the function counters read from {@code source}'s stats through {@code stats}. */
  <T, S> void bind(T source, ToStats<T, S> stats, Counts<S> counts) {
    for (Map.Entry<String, ToDoubleFunction<S>> o : counts.outcomes().entrySet()) {
      ToDoubleFunction<S> f = o.getValue();
      FunctionCounter.builder("sync.idempotency.requests", source, x -> read(x, stats, f))
          .description("Requests or calls the idempotency layer handled, by outcome")
          .tags(tags)
          .tag("outcome", o.getKey())
          .register(registry);
    }
    counter(source, stats, "sync.idempotency.stored", "Responses or results stored as their key's result", null,
        counts.stored());
    counter(source, stats, "sync.idempotency.stored.bytes", "Total size of the responses or results stored", "bytes",
        counts.storedBytes());
    counter(source, stats, "sync.idempotency.released", "Claims released so that a retry runs again", null,
        counts.released());
    counter(source, stats, "sync.idempotency.ownership.lost", "Completions or releases that found the key taken over",
        null, counts.ownershipLost());
    counter(source, stats, "sync.idempotency.store.failures", "Idempotency store calls that failed", null,
        counts.storeFailures());
  }

  /** Reads a source's stats; null when it has none yet (it saw nothing: every counter reads 0). */
  interface ToStats<T, S> {
    @Nullable S stats(T source);
  }

  private <T, S> void counter(T source, ToStats<T, S> stats, String name, String description, @Nullable String unit,
      ToDoubleFunction<S> f) {
    FunctionCounter.builder(name, source, x -> read(x, stats, f))
        .description(description)
        .baseUnit(unit)
        .tags(tags)
        .register(registry);
  }

  private static <T, S> double read(T source, ToStats<T, S> stats, ToDoubleFunction<S> f) {
    S s = stats.stats(source);
    return s == null ? 0 : f.applyAsDouble(s);
  }

  @Override
  public String toString() {
    return tags.toString();
  }
}
