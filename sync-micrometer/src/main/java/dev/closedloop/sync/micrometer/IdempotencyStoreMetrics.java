package dev.closedloop.sync.micrometer;

import dev.closedloop.sync.idempotency.IdempotencyStoreStats;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Meters read from an idempotency store's {@linkplain IdempotencyStore#stats() stats} when the
 * registry is scraped; nothing is added to the store's own path. The in-memory store is measured
 * whole; the Redis and PostgreSQL stores count what this node asked and was answered, and keep
 * their entries in the server, so they have no entry, byte or eviction meters.
 *
 * <pre>{@code
 * new IdempotencyStoreMetrics(store, "orders").bindTo(registry);   // in memory, Redis or PostgreSQL
 * }</pre>
 *
 * <ul>
 *   <li>{@code sync.idempotency.store.entries} (gauge, in-memory store): entries held now.
 *   <li>{@code sync.idempotency.store.bytes} (gauge, bytes, in-memory store): bytes held now, by
 *       the store's estimate.
 *   <li>{@code sync.idempotency.store.claims} (function counter, tag {@code outcome}): claims
 *       answered {@code claimed} (takeovers included), {@code replayed}, {@code in_progress},
 *       {@code mismatch}, or refused because the store was {@code full}.
 *   <li>{@code sync.idempotency.store.takeovers} (function counter): claims that took over a key
 *       whose lease had expired.
 *   <li>{@code sync.idempotency.store.settlements} (function counter, tag {@code outcome}):
 *       {@code completed} (not-replayable ones included), {@code released}, or refused to a
 *       {@code stale_owner}.
 *   <li>{@code sync.idempotency.store.renewals} (function counter): lease renewals that extended
 *       a claim.
 *   <li>{@code sync.idempotency.store.unavailable} (function counter): operations that failed
 *       because the storage could not be reached (always 0 in memory).
 *   <li>{@code sync.idempotency.store.evictions} (function counter, tag {@code cause}, in-memory
 *       store): entries dropped early to respect the {@code bounds}, or when {@code expired}.
 * </ul>
 *
 * Every meter is tagged {@code name} and the tags given to the constructor.
 *
 * <p>This class is threadsafe.
 */
public final class IdempotencyStoreMetrics implements MeterBinder {
  private final IdempotencyStore store;
  private final boolean holdsEntries;
  private final Tags tags;

  /**
   * Prepares the meters of {@code store}, called {@code name}; {@link #bindTo} registers them.
   * The meters hold the store weakly, as Micrometer's function meters do: keep the store.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank, or the store keeps no statistics
   */
  public IdempotencyStoreMetrics(IdempotencyStore store, String name) {
    this(store, name, Tags.empty());
  }

  /**
   * Prepares the meters of {@code store}, called {@code name}, with {@code tags} added to each.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank, or the store keeps no statistics
   */
  public IdempotencyStoreMetrics(IdempotencyStore store, String name, Iterable<Tag> tags) {
    this.store = Objects.requireNonNull(store, "store cannot be null");
    this.tags = Names.base(name, tags);
    try {
      this.holdsEntries = store.stats().entries() >= 0;
    } catch (UnsupportedOperationException e) {
      throw new IllegalArgumentException("store " + store + " keeps no statistics to measure", e);
    }
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry cannot be null");
    if (holdsEntries) {
      Gauge.builder("sync.idempotency.store.entries", store, s -> s.stats().entries())
          .description("Entries the idempotency store holds")
          .tags(tags)
          .register(registry);
      Gauge.builder("sync.idempotency.store.bytes", store, s -> s.stats().bytes())
          .description("Bytes the idempotency store holds, by its estimate")
          .baseUnit("bytes")
          .tags(tags)
          .register(registry);
    }
    String claims = "sync.idempotency.store.claims";
    String claimsHelp = "Claims answered by the idempotency store, by outcome";
    counter(registry, claims, claimsHelp, "outcome", "claimed", IdempotencyStoreStats::claims);
    counter(registry, claims, claimsHelp, "outcome", "replayed", IdempotencyStoreStats::replays);
    counter(registry, claims, claimsHelp, "outcome", "in_progress", IdempotencyStoreStats::conflicts);
    counter(registry, claims, claimsHelp, "outcome", "mismatch", IdempotencyStoreStats::mismatches);
    counter(registry, claims, claimsHelp, "outcome", "full", IdempotencyStoreStats::rejectedFull);
    counter(registry, "sync.idempotency.store.takeovers", "Claims that took over a key whose lease had expired",
        IdempotencyStoreStats::takeovers);
    counter(registry, "sync.idempotency.store.renewals", "Lease renewals that extended a claim",
        IdempotencyStoreStats::renewals);
    counter(registry, "sync.idempotency.store.unavailable",
        "Idempotency store operations that failed because the storage could not be reached",
        IdempotencyStoreStats::unavailable);
    String settlements = "sync.idempotency.store.settlements";
    String settlementsHelp = "Completions and releases of claims, by outcome";
    counter(registry, settlements, settlementsHelp, "outcome", "completed", IdempotencyStoreStats::completions);
    counter(registry, settlements, settlementsHelp, "outcome", "released", IdempotencyStoreStats::releases);
    counter(registry, settlements, settlementsHelp, "outcome", "stale_owner",
        IdempotencyStoreStats::staleOwnerRejections);
    if (holdsEntries) {
      String evictions = "sync.idempotency.store.evictions";
      String evictionsHelp = "Entries dropped by the idempotency store, by cause";
      counter(registry, evictions, evictionsHelp, "cause", "bounds", IdempotencyStoreStats::evictions);
      counter(registry, evictions, evictionsHelp, "cause", "expired", IdempotencyStoreStats::expirations);
    }
  }

  private void counter(MeterRegistry registry, String name, String description,
      ToDoubleFunction<IdempotencyStoreStats> f) {
    FunctionCounter.builder(name, store, s -> f.applyAsDouble(s.stats()))
        .description(description)
        .tags(tags)
        .register(registry);
  }

  private void counter(MeterRegistry registry, String name, String description, String tagKey, String tagValue,
      ToDoubleFunction<IdempotencyStoreStats> f) {
    FunctionCounter.builder(name, store, s -> f.applyAsDouble(s.stats()))
        .description(description)
        .tags(tags)
        .tag(tagKey, tagValue)
        .register(registry);
  }

  @Override
  public String toString() {
    return "IdempotencyStoreMetrics" + tags;
  }
}
