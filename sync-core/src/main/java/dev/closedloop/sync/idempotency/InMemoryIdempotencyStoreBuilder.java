package dev.closedloop.sync.idempotency;

import dev.closedloop.sync.time.Clock;
import dev.closedloop.sync.idempotency.spi.StoreArguments;
import java.time.Duration;
import java.util.Objects;

/**
 * Builds an {@link InMemoryIdempotencyStore}. Setters validate at once with fixed messages;
 * {@link #build()} checks the options against each other and copies them, so a builder can be
 * reused.
 *
 * <p>This class is not threadsafe.
 */
public final class InMemoryIdempotencyStoreBuilder {
  static final int DEFAULT_MAX_ENTRIES = 100_000;
  static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;
  static final long DEFAULT_MAX_RESPONSE_BYTES = 1024L * 1024;
  static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofSeconds(1);

  Clock clock = Clock.system();
  ExpiredLeasePolicy expiredLeasePolicy = ExpiredLeasePolicy.RE_EXECUTE;
  int maxEntries = DEFAULT_MAX_ENTRIES;
  long maxBytes = DEFAULT_MAX_BYTES;
  long maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
  boolean maxResponseBytesSet;
  Duration abandonedRetention = IdempotencyStore.DEFAULT_RETENTION;
  Duration sweepInterval = DEFAULT_SWEEP_INTERVAL;

  InMemoryIdempotencyStoreBuilder() {}

  /**
   * Sets the wall clock expiry is measured by. Default the system clock; tests pass a {@link
   * dev.closedloop.sync.time.ManualTicker}.
   *
   * @throws NullPointerException if {@code clock} is null
   */
  public InMemoryIdempotencyStoreBuilder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    return this;
  }

  /**
   * Sets what happens when a lease expires before its owner completes. Default {@link
   * ExpiredLeasePolicy#RE_EXECUTE}.
   *
   * @throws NullPointerException if {@code policy} is null
   */
  public InMemoryIdempotencyStoreBuilder expiredLeasePolicy(ExpiredLeasePolicy policy) {
    this.expiredLeasePolicy = Objects.requireNonNull(policy, "policy cannot be null");
    return this;
  }

  /**
   * Sets the most entries (in progress and completed) held at once. Default 100,000.
   *
   * @throws IllegalArgumentException if {@code maxEntries < 1}
   */
  public InMemoryIdempotencyStoreBuilder maxEntries(int maxEntries) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be at least 1: " + maxEntries);
    }
    this.maxEntries = maxEntries;
    return this;
  }

  /**
   * Sets the most bytes held at once, by the store's estimate (keys, fingerprints, tokens and
   * {@link StoredResponse#size()}). Default 64 MiB.
   *
   * @throws IllegalArgumentException if {@code maxBytes < 1024}
   */
  public InMemoryIdempotencyStoreBuilder maxBytes(long maxBytes) {
    if (maxBytes < 1024) {
      throw new IllegalArgumentException("maxBytes must be at least 1024: " + maxBytes);
    }
    this.maxBytes = maxBytes;
    return this;
  }

  /**
   * Sets the largest response kept replayable, by {@link StoredResponse#size()}; larger ones are
   * completed as not replayable. Default 1 MiB, or {@code maxBytes} if that is smaller.
   *
   * @throws IllegalArgumentException if {@code maxResponseBytes < 1}
   */
  public InMemoryIdempotencyStoreBuilder maxResponseBytes(long maxResponseBytes) {
    if (maxResponseBytes < 1) {
      throw new IllegalArgumentException("maxResponseBytes must be at least 1: " + maxResponseBytes);
    }
    this.maxResponseBytes = maxResponseBytes;
    this.maxResponseBytesSet = true;
    return this;
  }

  /**
   * Sets how long, from the claim, an abandoned claim blocks its key under {@link
   * ExpiredLeasePolicy#CONFLICT_UNTIL_EXPIRY}. Default 24 hours; ignored under {@code RE_EXECUTE}.
   *
   * @throws NullPointerException if {@code retention} is null
   * @throws IllegalArgumentException if {@code retention} is not positive
   */
  public InMemoryIdempotencyStoreBuilder abandonedClaimRetention(Duration retention) {
    this.abandonedRetention = StoreArguments.checkDuration(retention, "retention");
    return this;
  }

  /**
   * Sets how often (by the store's clock) an operation also sweeps out expired entries; between
   * sweeps they are dropped lazily when their key is touched or the bounds are reached. Default 1
   * second.
   *
   * @throws NullPointerException if {@code interval} is null
   * @throws IllegalArgumentException if {@code interval} is not positive
   */
  public InMemoryIdempotencyStoreBuilder sweepInterval(Duration interval) {
    this.sweepInterval = StoreArguments.checkDuration(interval, "interval");
    return this;
  }

  /**
   * Builds the store.
   *
   * @throws IllegalStateException if {@code maxResponseBytes} was set above {@code maxBytes}
   */
  public InMemoryIdempotencyStore build() {
    if (maxResponseBytesSet && maxResponseBytes > maxBytes) {
      throw new IllegalStateException(
          "maxResponseBytes (" + maxResponseBytes + ") cannot exceed maxBytes (" + maxBytes + ")");
    }
    return new InMemoryIdempotencyStore(this);
  }
}
