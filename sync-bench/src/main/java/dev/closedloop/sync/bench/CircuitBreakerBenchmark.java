package dev.closedloop.sync.bench;

import dev.closedloop.sync.breaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Duration;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A permitted call through a closed circuit breaker: ask for permission, make the call, record
 * its success. The call itself reads a field; {@link #baseline} makes it without a breaker.
 *
 * <p>Like for like, every breaker judges the last 100 calls, opens at a 50 % failure rate, needs
 * 100 calls before judging (where it has that option), waits 60 s in OPEN, admits 10 half-open
 * trials, and has no event consumers or listeners; and no caller reads a clock:
 *
 * <ul>
 *   <li>ours: {@code CircuitBreaker.builder(name).countWindow(100).minimumNumberOfCalls(100)
 *       .failureRateThreshold(50).waitInOpen(60 s).halfOpenTrials(10)}, slow-call detection off
 *       (the default); {@code acquirePermission()}, then {@code onSuccess(permit, 0)};
 *   <li>Resilience4j 2.4.0: {@code slidingWindow(100, 100, COUNT_BASED, strategy)} with the
 *       {@code SYNCHRONIZED} and the {@code LOCK_FREE} strategy, {@code failureRateThreshold(50)},
 *       {@code waitDurationInOpenState(60 s)}, {@code permittedNumberOfCallsInHalfOpenState(10)};
 *       {@code acquirePermission()}, then {@code onSuccess(0, NANOSECONDS)} (a zero duration, so
 *       it does not time the call; its slow-call check cannot be switched off, only fed zero);
 *   <li>Failsafe 3.3.2: {@code withFailureThreshold(50, 100)} (50 failures of the last 100
 *       executions: its count-based window), {@code withDelay(60 s)}, {@code
 *       withSuccessThreshold(10)}; {@code acquirePermit()}, then {@code recordSuccess()}.
 * </ul>
 *
 * <p>The breakers are shared by all benchmark threads ({@link Scope#Benchmark}); {@link
 * CircuitBreakerTwoThreadsBenchmark} runs the same methods on two threads.
 *
 * <p>This class is not threadsafe; JMH gives each thread what it needs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CircuitBreakerBenchmark {

  /** The breakers under test, shared by the benchmark threads. */
  @State(Scope.Benchmark)
  public static class Breakers {
    /** What the protected call returns. */
    public int payload = 42;

    CircuitBreaker ours;
    io.github.resilience4j.circuitbreaker.CircuitBreaker resilience4jSynchronized;
    io.github.resilience4j.circuitbreaker.CircuitBreaker resilience4jLockFree;
    dev.failsafe.CircuitBreaker<Object> failsafe;

    /** Builds the three breakers with the settings in the class comment. */
    @Setup
    public void setUp() {
      ours = CircuitBreaker.builder("bench")
          .countWindow(100)
          .minimumNumberOfCalls(100)
          .failureRateThreshold(50f)
          .waitInOpen(Duration.ofSeconds(60))
          .halfOpenTrials(10)
          .build();
      resilience4jSynchronized = resilience4j(SlidingWindowSynchronizationStrategy.SYNCHRONIZED);
      resilience4jLockFree = resilience4j(SlidingWindowSynchronizationStrategy.LOCK_FREE);
      failsafe = dev.failsafe.CircuitBreaker.builder()
          .withFailureThreshold(50, 100)
          .withDelay(Duration.ofSeconds(60))
          .withSuccessThreshold(10)
          .build();
    }

    private static io.github.resilience4j.circuitbreaker.CircuitBreaker resilience4j(
        SlidingWindowSynchronizationStrategy strategy) {
      CircuitBreakerConfig config = CircuitBreakerConfig.custom()
          .slidingWindow(100, 100, SlidingWindowType.COUNT_BASED, strategy)
          .failureRateThreshold(50f)
          .waitDurationInOpenState(Duration.ofSeconds(60))
          .permittedNumberOfCallsInHalfOpenState(10)
          .build();
      return io.github.resilience4j.circuitbreaker.CircuitBreaker.of("bench-" + strategy, config);
    }

    /** Checks that every breaker stayed closed: a benchmark of refusals would mean nothing. */
    @TearDown
    public void checkClosed() {
      if (ours.state() != CircuitBreaker.State.CLOSED
          || resilience4jSynchronized.getState() != io.github.resilience4j.circuitbreaker.CircuitBreaker.State.CLOSED
          || resilience4jLockFree.getState() != io.github.resilience4j.circuitbreaker.CircuitBreaker.State.CLOSED
          || !failsafe.isClosed()) {
        throw new IllegalStateException("a breaker left CLOSED during the benchmark");
      }
    }

    int call() {
      return payload;
    }
  }

  /** The call alone. */
  @Benchmark
  public int baseline(Breakers b) {
    return b.call();
  }

  /** Ours: {@code acquirePermission} and {@code onSuccess(permit, 0)}. */
  @Benchmark
  public int ours(Breakers b) {
    long permit = b.ours.acquirePermission();
    int result = b.call();
    b.ours.onSuccess(permit, 0L);
    return result;
  }

  /** Resilience4j, {@code SYNCHRONIZED} count window. */
  @Benchmark
  public int resilience4jSynchronized(Breakers b) {
    b.resilience4jSynchronized.acquirePermission();
    int result = b.call();
    b.resilience4jSynchronized.onSuccess(0L, TimeUnit.NANOSECONDS);
    return result;
  }

  /** Resilience4j, {@code LOCK_FREE} count window. */
  @Benchmark
  public int resilience4jLockFree(Breakers b) {
    b.resilience4jLockFree.acquirePermission();
    int result = b.call();
    b.resilience4jLockFree.onSuccess(0L, TimeUnit.NANOSECONDS);
    return result;
  }

  /** Failsafe, count-based. */
  @Benchmark
  public int failsafe(Breakers b) {
    b.failsafe.acquirePermit();
    int result = b.call();
    b.failsafe.recordSuccess();
    return result;
  }
}
