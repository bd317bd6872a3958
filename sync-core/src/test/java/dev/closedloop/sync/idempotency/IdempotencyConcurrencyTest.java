package dev.closedloop.sync.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Many threads off one latch, one in-memory store, real time: exact counts. */
class IdempotencyConcurrencyTest {
  private static final int THREADS = 32;

  private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void thirtyTwoThreadsWithOneKeyRunTheWorkOnceAndAllWaitForItsResult() throws Exception {
    InMemoryIdempotencyStore store = InMemoryIdempotencyStore.ofDefaults();
    Idempotency idempotency = Idempotency.builder().store(store).inProgressWait(Duration.ofSeconds(20)).build();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    String fp = Idempotency.fingerprint("transfer 100 from a to b");

    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      int caller = i;
      results.add(pool.submit(() -> {
        start.await();
        return idempotency.execute("payments", "transfer-1", fp, () -> {
          // run until every other caller found the key in progress and waits for this result
          Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> store.stats().conflicts() >= THREADS - 1);
          return "receipt " + runs.incrementAndGet() + " for caller " + caller;
        }, ResultCodec.utf8());
      }));
    }
    start.countDown();

    Set<String> distinct = ConcurrentHashMap.newKeySet();
    for (Future<String> f : results) {
      distinct.add(f.get(30, TimeUnit.SECONDS));
    }
    assertThat(runs).hasValue(1);
    assertThat(distinct).hasSize(1).allMatch(r -> r.startsWith("receipt 1 for caller "));
    IdempotencyStats s = idempotency.stats();
    assertThat(s.first()).isEqualTo(1);
    assertThat(s.replayed()).isEqualTo(THREADS - 1);
    assertThat(s.conflicts()).isZero();
    assertThat(s.stored()).isEqualTo(1);
    assertThat(store.stats().claims()).isEqualTo(1);
    assertThat(store.stats().completions()).isEqualTo(1);
  }

  @Test
  void thirtyTwoThreadsOverManyKeysRunEachKeysWorkExactlyOnce() throws Exception {
    int keys = 50;
    int callsPerThread = 200;
    InMemoryIdempotencyStore store = InMemoryIdempotencyStore.ofDefaults();
    Idempotency idempotency = Idempotency.builder().store(store).inProgressWait(Duration.ofSeconds(20)).build();
    ConcurrentHashMap<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    CountDownLatch start = new CountDownLatch(1);

    List<Future<Integer>> mismatchedResults = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      mismatchedResults.add(pool.submit(() -> {
        start.await();
        int wrong = 0;
        for (int i = 0; i < callsPerThread; i++) {
          String key = "k" + ((i + thread) % keys);
          String result = idempotency.execute("s", key, Idempotency.fingerprint(key), () -> {
            runs.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            return "result of " + key;
          }, ResultCodec.utf8());
          if (!result.equals("result of " + key)) {
            wrong++;
          }
        }
        return wrong;
      }));
    }
    start.countDown();

    for (Future<Integer> f : mismatchedResults) {
      assertThat(f.get(60, TimeUnit.SECONDS)).isZero();
    }
    assertThat(runs).hasSize(keys);
    assertThat(runs.values()).allMatch(n -> n.get() == 1);
    IdempotencyStats s = idempotency.stats();
    assertThat(s.first()).isEqualTo(keys);
    assertThat(s.replayed()).isEqualTo((long) THREADS * callsPerThread - keys);
    assertThat(s.conflicts()).isZero();
    assertThat(s.released()).isZero();
  }
}
