package dev.closedloop.sync.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.idempotency.StoredResponse;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The harness counts what its threads did, stops them all, and reports a failing step. */
class StoreThroughputTest {
  @Test
  void everyThreadRunsItsOwnStepsAndTheWindowCountsAtMostWhatRan() throws Exception {
    ConcurrentHashMap<Integer, AtomicLong> steps = new ConcurrentHashMap<>();
    StoreThroughput.Result r = StoreThroughput.measure(3, Duration.ZERO, Duration.ofMillis(50), (thread, i) -> {
      long seen = steps.computeIfAbsent(thread, t -> new AtomicLong()).getAndIncrement();
      if (seen != i) {
        throw new IllegalStateException("thread " + thread + " step " + i + " after " + seen);
      }
    });
    assertThat(steps).containsOnlyKeys(0, 1, 2);
    long total = steps.values().stream().mapToLong(AtomicLong::get).sum();
    assertThat(r.operations()).isPositive().isLessThanOrEqualTo(total);
    assertThat(r.seconds()).isPositive();
    long after = steps.values().stream().mapToLong(AtomicLong::get).sum();
    assertThat(after).as("every thread has stopped").isEqualTo(total);
  }

  /** Counts the calls to an in-memory store. */
  private static final class CountingStore implements IdempotencyStore {
    final InMemoryIdempotencyStore memory = InMemoryIdempotencyStore.ofDefaults();
    final AtomicLong claims = new AtomicLong();
    final AtomicLong completions = new AtomicLong();

    @Override
    public ClaimResult claim(IdempotencyKey key, String fingerprint, Duration lease) {
      claims.incrementAndGet();
      return memory.claim(key, fingerprint, lease);
    }

    @Override
    public boolean complete(IdempotencyKey key, String token, StoredResponse response, Duration retention) {
      completions.incrementAndGet();
      return memory.complete(key, token, response, retention);
    }

    @Override
    public boolean release(IdempotencyKey key, String token) {
      throw new AssertionError("the harness never releases");
    }
  }

  @Test
  void claimsAreOfFreshKeysEachCompletedWhenAsked() throws Exception {
    CountingStore store = new CountingStore();
    StoreThroughput.Result r = StoreThroughput.claims(store, 2, Duration.ZERO, Duration.ofMillis(50), true);
    assertThat(r.operations()).isPositive().isLessThanOrEqualTo(store.claims.get());
    assertThat(store.completions).as("every claim completed, none left half-way").hasValue(store.claims.get());

    CountingStore claimOnly = new CountingStore();
    StoreThroughput.claims(claimOnly, 2, Duration.ZERO, Duration.ofMillis(20), false);
    assertThat(claimOnly.claims.get()).isPositive();
    assertThat(claimOnly.completions).as("claim-only mode completes nothing").hasValue(0);
  }

  @Test
  void aKeyThatIsNotFreshStopsTheRun() throws Exception {
    CountingStore store = new CountingStore();
    StoreThroughput.claims(store, 1, Duration.ZERO, Duration.ofMillis(10), true);
    assertThatThrownBy(() -> StoreThroughput.claims(store, 1, Duration.ZERO, Duration.ofMillis(10), true))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("a fresh key gave Completed");
  }

  @Test
  void aFailingStepStopsTheRunAndIsRethrown() {
    assertThatThrownBy(() -> StoreThroughput.measure(2, Duration.ZERO, Duration.ofMillis(20), (thread, i) -> {
      throw new java.io.IOException("down");
    })).isInstanceOf(IllegalStateException.class).hasRootCauseMessage("down");
  }

  @Test
  void badArgumentsAreRefused() {
    assertThatThrownBy(() -> StoreThroughput.measure(0, Duration.ZERO, Duration.ofMillis(1), (t, i) -> { }))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("threads must be positive: 0");
    assertThatThrownBy(() -> StoreThroughput.measure(1, Duration.ZERO, Duration.ZERO, (t, i) -> { }))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
