package dev.closedloop.sync.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.time.ManualTicker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** Threads started off one latch; exact counts asserted. */
class CircuitBreakerConcurrencyTest {
  /** Calls in the storm tests; override with {@code -Dbreaker.storm.calls=...}. */
  private static final int STORM_CALLS = Integer.getInteger("breaker.storm.calls", 1_000_000);

  private final ManualTicker time = new ManualTicker();
  private ExecutorService pool;

  @AfterEach
  void shutDown() throws InterruptedException {
    if (pool != null) {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  private List<Future<?>> startTogether(int threads, CheckedRunnable work) {
    pool = Executors.newFixedThreadPool(threads);
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      futures.add(
          pool.submit(
              () -> {
                ready.countDown();
                go.await();
                work.run(thread);
                return null;
              }));
    }
    try {
      assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    go.countDown();
    return futures;
  }

  private static void awaitAll(List<Future<?>> futures) throws Exception {
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
  }

  @FunctionalInterface
  interface CheckedRunnable {
    void run(int thread) throws Exception;
  }

  @RepeatedTest(20)
  void halfOpenAdmitsExactlyNTrialsUnderSixteenRacingThreads() throws Exception {
    int trials = 5;
    CircuitBreaker b =
        CircuitBreaker.builder("race")
            .ticker(time)
            .countWindow(10)
            .halfOpenTrials(trials)
            .waitInOpen(Duration.ofSeconds(1))
            .build();
    CircuitBreakerTransitionTest.fail(b, 10);
    time.advance(Duration.ofSeconds(1)); // every thread races the OPEN -> HALF_OPEN move too
    Set<Long> permits = ConcurrentHashMap.newKeySet();
    AtomicInteger refused = new AtomicInteger();
    awaitAll(
        startTogether(
            16,
            thread -> {
              for (int i = 0; i < 10; i++) {
                long p = b.tryAcquirePermission();
                if (p == CircuitBreaker.NO_PERMIT) {
                  refused.incrementAndGet();
                } else {
                  assertThat(permits.add(p)).isTrue();
                }
              }
            }));
    assertThat(permits).hasSize(trials);
    assertThat(refused.get()).isEqualTo(16 * 10 - trials);
    assertThat(b.metrics().rejectedCalls()).isEqualTo(16 * 10 - trials);
    assertThat(b.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    for (long p : permits) {
      b.onSuccess(p, 0);
    }
    assertThat(b.state()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void aStormOfCallsAcrossEightThreadsKeepsExactCounts() throws Exception {
    int threads = 8;
    int perThread = STORM_CALLS / threads;
    CircuitBreaker b =
        CircuitBreaker.builder("storm").ticker(time).countWindow(100).failureRateThreshold(50).build();
    awaitAll(
        startTogether(
            threads,
            thread -> {
              IOException failure = new IOException("every tenth call fails");
              for (int i = 0; i < perThread; i++) {
                long p = b.acquirePermission();
                if (i % 10 == 9) {
                  b.onFailure(p, 0, failure);
                } else {
                  b.onSuccess(p, 0);
                }
              }
            }));
    long calls = (long) threads * perThread;
    long failures = (long) threads * (perThread / 10);
    CircuitBreakerMetrics m = b.metrics();
    assertThat(m.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(m.totalFailedCalls()).isEqualTo(failures);
    assertThat(m.totalSuccessfulCalls()).isEqualTo(calls - failures);
    assertThat(m.rejectedCalls()).isZero();
    assertThat(m.totalIgnoredCalls()).isZero();
    assertThat(m.bufferedCalls()).isEqualTo(100);
    assertThat(m.failedCalls() + m.successfulCalls()).isEqualTo(100);
    // Each thread fails one call in ten; no run of 100 calls can hold half of them failed.
    assertThat(m.failedCalls()).isLessThan(50);
  }

  @Test
  void threadsSharingOneStripeStillKeepExactCounts() throws Exception {
    // Threads whose ids map to the same stripe row: every add contends on one cache line.
    int threads = 4;
    int perThread = STORM_CALLS / 4 / threads;
    CircuitBreaker b =
        CircuitBreaker.builder("shared").ticker(time).timeWindow(10).failureRateThreshold(50).build();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    long stripe = -1;
    while (workers.size() < threads) {
      Thread t =
          new Thread(
              () -> {
                try {
                  go.await();
                  IOException failure = new IOException("every tenth call fails");
                  for (int i = 0; i < perThread; i++) {
                    long p = b.acquirePermission();
                    if (i % 10 == 9) {
                      b.onFailure(p, 0, failure);
                    } else {
                      b.onSuccess(p, 0);
                    }
                  }
                } catch (Throwable e) {
                  errors.add(e);
                }
              });
      long s = t.getId() & Stripes.MASK;
      if (stripe < 0 || s == stripe) {
        stripe = s;
        workers.add(t);
      }
    }
    workers.forEach(Thread::start);
    go.countDown();
    for (Thread t : workers) {
      t.join(TimeUnit.SECONDS.toMillis(60));
      assertThat(t.isAlive()).isFalse();
    }
    assertThat(errors).isEmpty();
    long calls = (long) threads * perThread;
    long failures = (long) threads * (perThread / 10);
    CircuitBreakerMetrics m = b.metrics();
    assertThat(m.totalSuccessfulCalls()).isEqualTo(calls - failures);
    assertThat(m.totalFailedCalls()).isEqualTo(failures);
    assertThat(m.bufferedCalls()).isEqualTo(calls);
  }

  @Test
  void aStormIntoATimeWindowKeepsExactCounts() throws Exception {
    int threads = 8;
    int perThread = STORM_CALLS / 4 / threads;
    CircuitBreaker b =
        CircuitBreaker.builder("storm").ticker(time).timeWindow(10).failureRateThreshold(50).build();
    awaitAll(
        startTogether(
            threads,
            thread -> {
              IOException failure = new IOException("every tenth call fails");
              for (int i = 0; i < perThread; i++) {
                long p = b.acquirePermission();
                if (i % 10 == 9) {
                  b.onFailure(p, 0, failure);
                } else {
                  b.onSuccess(p, 0);
                }
                if (thread == 0 && i % 1000 == 999) {
                  time.advance(Duration.ofMillis(100)); // buckets roll while the others call
                }
              }
            }));
    long calls = (long) threads * perThread;
    long failures = (long) threads * (perThread / 10);
    CircuitBreakerMetrics m = b.metrics();
    assertThat(m.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(m.totalFailedCalls()).isEqualTo(failures);
    assertThat(m.totalSuccessfulCalls()).isEqualTo(calls - failures);
    // Time moved less than the window, so the window holds every call.
    assertThat(Duration.ofNanos(time.read())).isLessThan(Duration.ofSeconds(10));
    assertThat(m.bufferedCalls()).isEqualTo(calls);
    assertThat(m.failedCalls()).isEqualTo(failures);
  }

  @Test
  void concurrentFailuresTripTheBreakerOnceAndLateResultsAreIgnored() throws Exception {
    List<String> transitions = new CopyOnWriteArrayList<>();
    CircuitBreaker b =
        CircuitBreaker.builder("trip")
            .ticker(time)
            .countWindow(100)
            .listener(
                new CircuitBreakerListener() {
                  @Override
                  public void onStateTransition(
                      String name, CircuitBreaker.State from, CircuitBreaker.State to) {
                    transitions.add(from + "->" + to);
                  }
                })
            .build();
    AtomicInteger rejected = new AtomicInteger();
    AtomicInteger permitted = new AtomicInteger();
    awaitAll(
        startTogether(
            8,
            thread -> {
              for (int i = 0; i < 1_000; i++) {
                long p = b.tryAcquirePermission();
                if (p == CircuitBreaker.NO_PERMIT) {
                  rejected.incrementAndGet();
                } else {
                  permitted.incrementAndGet();
                  b.onFailure(p, 0, new IOException("down"));
                }
              }
            }));
    assertThat(b.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(transitions).containsExactly("CLOSED->OPEN");
    CircuitBreakerMetrics m = b.metrics();
    assertThat(m.rejectedCalls()).isEqualTo(rejected.get());
    assertThat(permitted.get() + rejected.get()).isEqualTo(8_000);
    // Failures whose permit outlived the trip counted nowhere; the rest counted exactly once.
    assertThat(m.totalFailedCalls()).isBetween(100L, (long) permitted.get());
  }
}
