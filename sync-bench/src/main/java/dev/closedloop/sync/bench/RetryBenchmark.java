package dev.closedloop.sync.bench;

import dev.closedloop.sync.retry.Jitter;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.function.CheckedSupplier;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A call under a retry policy, on one thread: one that succeeds at once ({@code *Success}), and
 * one that fails once and then succeeds ({@code *FailOnce}); the baselines make the same calls
 * with no policy (the failing one: catch, call again).
 *
 * <p>Like for like, every policy allows 3 attempts, waits zero between them with no jitter, has
 * no deadline, retries every exception, and has no event consumers or listeners:
 *
 * <ul>
 *   <li>ours: {@code RetryPolicy.builder().maxAttempts(3).fixedDelay(ZERO).jitter(Jitter.none())
 *       .noDeadline()}; {@code execute(Callable)};
 *   <li>Resilience4j 2.4.0: {@code RetryConfig.custom().maxAttempts(3).waitDuration(ZERO)};
 *       {@code retry.executeCallable(Callable)};
 *   <li>Failsafe 3.3.2: {@code RetryPolicy.builder().withMaxAttempts(3)}, whose default delay is
 *       zero ({@code withDelay(ZERO)} is refused); {@code Failsafe.with(policy).get(CheckedSupplier)}
 *       (the executor built once).
 * </ul>
 *
 * <p>The failure is one preallocated exception without a stack trace, so that what is measured
 * is the policy, not the JVM filling in a stack.
 *
 * <p>This class is not threadsafe; JMH gives each thread what it needs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RetryBenchmark {

  /** The preallocated failure: no stack trace, no suppression. */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    Failure() {
      super("the attempt failed", null, false, false);
    }
  }

  /** The policies and the calls, one set per thread. */
  @State(Scope.Thread)
  public static class Calls {
    /** What the call returns. */
    public Integer payload = 42;

    private final Failure failure = new Failure();
    private boolean failNext;

    RetryPolicy<Integer> ours;
    Retry resilience4j;
    FailsafeExecutor<Integer> failsafe;

    Callable<Integer> succeeds;
    Callable<Integer> failsOnce;
    CheckedSupplier<Integer> succeedsSupplier;
    CheckedSupplier<Integer> failsOnceSupplier;

    /** Builds the three policies with the settings in the class comment. */
    @Setup
    public void setUp() {
      ours = RetryPolicy.<Integer>builder()
          .maxAttempts(3)
          .fixedDelay(Duration.ZERO)
          .jitter(Jitter.none())
          .noDeadline()
          .build();
      resilience4j = Retry.of("bench", RetryConfig.custom()
          .maxAttempts(3)
          .waitDuration(Duration.ZERO)
          .build());
      failsafe = Failsafe.with(dev.failsafe.RetryPolicy.<Integer>builder()
          .withMaxAttempts(3) // its default delay is zero; withDelay(ZERO) is refused
          .build());
      succeeds = this::succeed;
      failsOnce = this::failOnce;
      succeedsSupplier = this::succeed;
      failsOnceSupplier = this::failOnce;
    }

    Integer succeed() {
      return payload;
    }

    /** Fails when armed, and disarms itself: the retry then succeeds. */
    Integer failOnce() throws Failure {
      if (failNext) {
        failNext = false;
        throw failure;
      }
      return payload;
    }

    void arm() {
      failNext = true;
    }
  }

  /** The successful call alone. */
  @Benchmark
  public Integer baselineSuccess(Calls c) throws Exception {
    return c.succeeds.call();
  }

  /** Ours, success first time. */
  @Benchmark
  public Integer oursSuccess(Calls c) {
    return c.ours.execute(c.succeeds);
  }

  /** Resilience4j, success first time. */
  @Benchmark
  public Integer resilience4jSuccess(Calls c) throws Exception {
    return c.resilience4j.executeCallable(c.succeeds);
  }

  /** Failsafe, success first time. */
  @Benchmark
  public Integer failsafeSuccess(Calls c) {
    return c.failsafe.get(c.succeedsSupplier);
  }

  /** The failing call caught and made again, without a policy. */
  @Benchmark
  public Integer baselineFailOnce(Calls c) throws Exception {
    c.arm();
    try {
      return c.failsOnce.call();
    } catch (Failure expected) {
      return c.failsOnce.call();
    }
  }

  /** Ours, one failure then success, zero delay. */
  @Benchmark
  public Integer oursFailOnce(Calls c) {
    c.arm();
    return c.ours.execute(c.failsOnce);
  }

  /** Resilience4j, one failure then success, zero delay. */
  @Benchmark
  public Integer resilience4jFailOnce(Calls c) throws Exception {
    c.arm();
    return c.resilience4j.executeCallable(c.failsOnce);
  }

  /** Failsafe, one failure then success, zero delay. */
  @Benchmark
  public Integer failsafeFailOnce(Calls c) {
    c.arm();
    return c.failsafe.get(c.failsOnceSupplier);
  }
}
