package dev.closedloop.sync.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.time.ManualTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What only the in-memory store promises (stats, sweeping, exact eviction order); the SPI
 * contract itself is tested by IdempotencyStoreCompatibilityKit in sync-testkit.
 */
class InMemoryIdempotencyStoreTest {
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final Duration DAY = Duration.ofDays(1);

  private final ManualTicker time = new ManualTicker();

  private static IdempotencyKey key(String k) {
    return IdempotencyKey.of("s", k);
  }

  private static StoredResponse ok(int bodyBytes) {
    return StoredResponse.of(200, Map.of(), new byte[bodyBytes]);
  }

  private static String token(ClaimResult r) {
    assertThat(r).isInstanceOf(ClaimResult.Claimed.class);
    return ((ClaimResult.Claimed) r).token();
  }

  @Test
  void statsCountEveryOutcome() {
    InMemoryIdempotencyStore store = InMemoryIdempotencyStore.builder().clock(time).build();
    String t = token(store.claim(key("a"), "f", LEASE));
    store.claim(key("a"), "f", LEASE); // conflict
    store.claim(key("a"), "g", LEASE); // mismatch
    assertThat(store.complete(key("a"), "bogus", ok(1), DAY)).isFalse();
    assertThat(store.complete(key("a"), t, ok(10), DAY)).isTrue();
    store.claim(key("a"), "f", LEASE); // replay
    String t2 = token(store.claim(key("b"), "f", LEASE));
    assertThat(store.release(key("b"), t2)).isTrue();

    IdempotencyStoreStats s = store.stats();
    assertThat(s.claims()).isEqualTo(2);
    assertThat(s.conflicts()).isEqualTo(1);
    assertThat(s.mismatches()).isEqualTo(1);
    assertThat(s.replays()).isEqualTo(1);
    assertThat(s.completions()).isEqualTo(1);
    assertThat(s.releases()).isEqualTo(1);
    assertThat(s.staleOwnerRejections()).isEqualTo(1);
    assertThat(s.entries()).isEqualTo(1);
    assertThat(s.bytes()).isGreaterThan(10 + 64);
  }

  @Test
  void sweepRemovesDeadEntriesAndReturnsTheirBytes() {
    InMemoryIdempotencyStore store = InMemoryIdempotencyStore.builder().clock(time).build();
    String t = token(store.claim(key("done"), "f", LEASE));
    store.complete(key("done"), t, ok(1000), Duration.ofMinutes(1));
    store.claim(key("abandoned"), "f", LEASE);
    assertThat(store.stats().entries()).isEqualTo(2);

    time.advance(Duration.ofMinutes(1));
    assertThat(store.sweep()).isEqualTo(2);
    assertThat(store.stats().entries()).isZero();
    assertThat(store.stats().bytes()).isZero();
    assertThat(store.stats().expirations()).isEqualTo(2);
  }

  @Test
  void operationsSweepAtMostOncePerInterval() {
    InMemoryIdempotencyStore store =
        InMemoryIdempotencyStore.builder().clock(time).sweepInterval(Duration.ofSeconds(10)).build();
    store.claim(key("a"), "f", Duration.ofSeconds(1));
    time.advance(Duration.ofSeconds(5));
    store.claim(key("b"), "f", LEASE); // before the interval: "a" is dead but still held
    assertThat(store.stats().entries()).isEqualTo(2);
    time.advance(Duration.ofSeconds(5));
    store.claim(key("c"), "f", LEASE); // sweeps "a"
    assertThat(store.stats().entries()).isEqualTo(2);
    assertThat(store.stats().expirations()).isEqualTo(1);
  }

  @Test
  void evictsCompletedEntriesInCompletionOrder() {
    InMemoryIdempotencyStore store = InMemoryIdempotencyStore.builder().clock(time).maxEntries(3).build();
    List<String> tokens = new ArrayList<>();
    for (String k : List.of("a", "b", "c")) {
      tokens.add(token(store.claim(key(k), "f", LEASE)));
    }
    store.complete(key("b"), tokens.get(1), ok(1), DAY); // b completes first, so goes first
    store.complete(key("a"), tokens.get(0), ok(1), DAY);
    store.complete(key("c"), tokens.get(2), ok(1), DAY);

    token(store.claim(key("d"), "f", LEASE));
    assertThat(store.claim(key("b"), "f", LEASE)).isInstanceOf(ClaimResult.Claimed.class); // evicted
    // claiming b again evicted a, the next oldest
    assertThat(store.claim(key("c"), "f", LEASE)).isInstanceOf(ClaimResult.Completed.class);
    assertThat(store.claim(key("a"), "f", LEASE)).isInstanceOf(ClaimResult.Claimed.class);
    assertThat(store.stats().evictions()).isEqualTo(3);
    assertThat(store.stats().entries()).isEqualTo(3);
  }

  @Test
  void claimIsRefusedClearlyWhenEveryEntryIsInProgress() {
    InMemoryIdempotencyStore store = InMemoryIdempotencyStore.builder().clock(time).maxEntries(2).build();
    store.claim(key("a"), "f", LEASE);
    store.claim(key("b"), "f", LEASE);
    assertThatThrownBy(() -> store.claim(key("c"), "f", LEASE))
        .isInstanceOf(IdempotencyStoreFullException.class)
        .hasMessageStartingWith("idempotency store is full: claims in progress hold all 2 entries")
        .satisfies(e -> assertThat(((IdempotencyStoreFullException) e).entries()).isEqualTo(2));
    assertThat(store.stats().rejectedFull()).isEqualTo(1);
    assertThat(store.stats().entries()).isEqualTo(2);
    // a claim in progress whose lease ended is not live any more: it makes room
    time.advance(LEASE);
    assertThat(store.claim(key("c"), "f", LEASE)).isInstanceOf(ClaimResult.Claimed.class);
  }

  @Test
  void completionThatCannotFitIsKeptAsNotReplayable() {
    InMemoryIdempotencyStore store = InMemoryIdempotencyStore.builder().clock(time)
        .maxBytes(4096).maxResponseBytes(4096).build();
    String t = token(store.claim(key("a"), "f", LEASE));
    String t2 = token(store.claim(key("b"), "f", LEASE));
    assertThat(store.complete(key("a"), t, ok(3000), DAY)).isTrue();
    // b's response does not fit next to a's, and a is evicted first only if it is completed: it is
    assertThat(store.complete(key("b"), t2, ok(3000), DAY)).isTrue();
    assertThat(store.stats().evictions()).isEqualTo(1);
    assertThat(store.claim(key("a"), "f", LEASE)).isInstanceOf(ClaimResult.Claimed.class);
    // now a is in progress and b holds 3000 bytes; c in progress plus a 3000-byte response cannot fit
    String t3 = token(store.claim(key("c"), "f", LEASE));
    assertThat(store.complete(key("c"), t3, ok(3000), DAY)).isTrue(); // evicts b
    assertThat(store.claim(key("c"), "f", LEASE)).isInstanceOf(ClaimResult.Completed.class);
    String ta = token(store.claim(key("b"), "f", LEASE));
    assertThat(store.complete(key("b"), ta, ok(3500), DAY)).isTrue(); // evicts c, fits
    assertThat(store.stats().bytes()).isLessThanOrEqualTo(4096);
  }

  @Test
  void completionLargerThanBoundsWithOnlyClaimsInProgressBecomesNotReplayable() {
    InMemoryIdempotencyStore store = InMemoryIdempotencyStore.builder().clock(time)
        .maxBytes(4096).maxResponseBytes(4096).build();
    String a = token(store.claim(key("a"), "f", LEASE));
    store.claim(key("b"), "f", LEASE);
    assertThat(store.complete(key("a"), a, ok(3950), DAY)).isTrue();
    ClaimResult r = store.claim(key("a"), "f", LEASE);
    assertThat(((ClaimResult.Completed) r).response().isReplayable()).isFalse();
    assertThat(((ClaimResult.Completed) r).response().status()).isEqualTo(200);
    assertThat(store.stats().notReplayable()).isEqualTo(1);
    assertThat(store.stats().bytes()).isLessThanOrEqualTo(4096);
  }

  @Test
  void totalsStayExactUnderConcurrentClaimsCompletionsAndReleases() throws Exception {
    InMemoryIdempotencyStore store = InMemoryIdempotencyStore.builder().clock(time)
        .maxEntries(64).maxBytes(64 * 1024).build();
    int threads = 8;
    int opsPerThread = Integer.getInteger("sync.test.storeOps", 2000);
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < opsPerThread; i++) {
            IdempotencyKey k = key("k" + ((id * 31 + i) % 200));
            ClaimResult r;
            try {
              r = store.claim(k, "f", LEASE);
            } catch (IdempotencyStoreFullException full) {
              continue;
            }
            if (r instanceof ClaimResult.Claimed) {
              String tok = ((ClaimResult.Claimed) r).token();
              if (i % 3 == 0) {
                store.release(k, tok);
              } else {
                store.complete(k, tok, ok(i % 700), DAY);
              }
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    IdempotencyStoreStats s = store.stats();
    assertThat(s.entries()).isLessThanOrEqualTo(64).isGreaterThan(0);
    assertThat(s.bytes()).isLessThanOrEqualTo(64 * 1024);
    // the totals match what the map really holds once the dust settles: evict everything dead
    time.advance(Duration.ofDays(2));
    store.sweep();
    assertThat(store.stats().entries()).isZero();
    assertThat(store.stats().bytes()).isZero();
  }

  @Test
  void clearForgetsEveryEntryAndItsOwnersLearnItButTheCountersStay() {
    InMemoryIdempotencyStore store = InMemoryIdempotencyStore.builder().clock(time).build();
    String done = token(store.claim(key("done"), "f", LEASE));
    assertThat(store.complete(key("done"), done, ok(10), DAY)).isTrue();
    String running = token(store.claim(key("running"), "f", LEASE));

    assertThat(store.clear()).isEqualTo(2);

    assertThat(store.stats().entries()).isZero();
    assertThat(store.stats().bytes()).isZero();
    assertThat(store.stats().claims()).isEqualTo(2);
    assertThat(store.complete(key("running"), running, ok(1), DAY)).isFalse();
    assertThat(store.claim(key("done"), "f", LEASE)).isInstanceOf(ClaimResult.Claimed.class);
    assertThat(store.claim(key("running"), "other", LEASE)).isInstanceOf(ClaimResult.Claimed.class);
  }
}
