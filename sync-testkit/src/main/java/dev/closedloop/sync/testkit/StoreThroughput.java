package dev.closedloop.sync.testkit;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.StoredResponse;
import dev.closedloop.sync.time.Ticker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Throughput of an operation run in a loop by N threads, over a window of real time after a
 * warm-up: the harness behind the stores' hand-run throughput programs (claims per second of an
 * {@link IdempotencyStore} against a real server), for any store. Not a unit test: timing
 * belongs in measurements, never in assertions.
 *
 * <pre>{@code
 * StoreThroughput.Result r = StoreThroughput.claims(store, 8, Duration.ofSeconds(2), Duration.ofSeconds(5), true);
 * System.out.printf("%.0f claims/s%n", r.perSecond());
 * }</pre>
 *
 * <p>This class is threadsafe (stateless); each call starts and joins its own threads.
 */
public final class StoreThroughput {
  private StoreThroughput() {}

  /** One step of a worker: {@code thread} is the worker's number, {@code i} counts its steps from 0. */
  @FunctionalInterface
  public interface Operation {
    /**
     * Runs one step; an exception stops the measurement and is rethrown by {@link #measure}.
     *
     * @throws Exception if the step failed
     */
    void run(int thread, long i) throws Exception;
  }

  /**
   * What one window measured.
   *
   * @param operations steps completed inside the window
   * @param seconds the window's length, measured
   */
  public record Result(long operations, double seconds) {
    /** Returns the steps per second. */
    public double perSecond() {
      return operations / seconds;
    }
  }

  /**
   * Runs {@code operation} in a loop on {@code threads} threads, released together, and counts the
   * steps completed during {@code window}, which begins after {@code warmup}. Blocks for about
   * {@code warmup + window}, then stops the threads and waits for them.
   *
   * @throws IllegalStateException if a step threw (the first failure is the cause)
   * @throws IllegalArgumentException if {@code threads} is not positive or a duration is negative
   *     or the window zero
   * @throws InterruptedException if interrupted while waiting
   */
  public static Result measure(int threads, Duration warmup, Duration window, Operation operation)
      throws InterruptedException {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be positive: " + threads);
    }
    if (warmup.isNegative() || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("warmup must not be negative and window positive: " + warmup + ", " + window);
    }
    Objects.requireNonNull(operation, "operation cannot be null");
    Ticker ticker = Ticker.system();
    LongAdder done = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Exception> failure = new AtomicReference<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread w = new Thread(() -> {
        try {
          go.await();
          for (long i = 0; !stop.get(); i++) {
            operation.run(thread, i);
            done.increment();
          }
        } catch (Exception e) {
          failure.compareAndSet(null, e);
          stop.set(true);
        }
      }, "throughput-" + t);
      workers.add(w);
      w.start();
    }
    long count;
    double seconds;
    try {
      go.countDown();
      Thread.sleep(warmup.toMillis()); // a window of real time: this measures, it tests nothing
      long before = done.sum();
      long start = ticker.read();
      Thread.sleep(window.toMillis());
      count = done.sum() - before;
      seconds = (ticker.read() - start) / 1e9;
    } finally {
      stop.set(true);
      for (Thread w : workers) {
        w.join();
      }
    }
    Exception failed = failure.get();
    if (failed != null) {
      throw new IllegalStateException("a step failed: " + failed, failed);
    }
    return new Result(count, seconds);
  }

  /**
   * Measures claims of distinct fresh keys (each thread its own scope) on {@code store}, each one
   * completed with a 30-byte JSON response when {@code complete} is set.
   *
   * @throws IllegalStateException if a claim was not {@link ClaimResult.Claimed} or a completion
   *     was refused
   * @throws InterruptedException if interrupted while waiting
   */
  public static Result claims(IdempotencyStore store, int threads, Duration warmup, Duration window, boolean complete)
      throws InterruptedException {
    Objects.requireNonNull(store, "store cannot be null");
    StoredResponse response = StoredResponse.of(201, Map.of("Content-Type", List.of("application/json")),
        "{\"id\":\"0123456789abcdef0123456789\"}".getBytes(StandardCharsets.UTF_8));
    return measure(threads, warmup, window, (thread, i) -> {
      IdempotencyKey key = IdempotencyKey.of("throughput-" + thread, Long.toString(i));
      ClaimResult r = store.claim(key, "fp", Duration.ofSeconds(30));
      if (!(r instanceof ClaimResult.Claimed claimed)
          || complete && !store.complete(key, claimed.token(), response, Duration.ofSeconds(60))) {
        throw new IllegalStateException("a fresh key gave " + r);
      }
    });
  }
}
