package dev.closedloop.sync.breaker;

import dev.closedloop.sync.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link CircuitBreaker}. Every setter validates its argument at once with a fixed
 * message; {@link #build()} checks the options against each other and copies them, so a builder
 * can be reused and changed after building. The defaults are listed at {@link
 * CircuitBreaker#builder(String)}.
 *
 * <p>This class is not threadsafe.
 */
public final class CircuitBreakerBuilder {
  static final int DEFAULT_WINDOW_SIZE = 100;
  static final int DEFAULT_MINIMUM_CALLS = 100;
  static final float DEFAULT_FAILURE_RATE = 50f;
  static final float DEFAULT_SLOW_CALL_RATE = 100f;
  static final Duration DEFAULT_WAIT_IN_OPEN = Duration.ofSeconds(60);
  static final int DEFAULT_HALF_OPEN_TRIALS = 10;
  static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(60);

  /** The largest count-based window: its ring takes one byte per call. */
  public static final int MAX_COUNT_WINDOW = 1_000_000;
  /** The longest time-based window, in seconds. */
  public static final int MAX_TIME_WINDOW_SECONDS = 3600;
  /** The most half-open trials. */
  public static final int MAX_HALF_OPEN_TRIALS = 1024;

  private static final Predicate<Throwable> ANY = failure -> true;
  private static final Predicate<Throwable> NOTHING = failure -> false;

  final String name;
  boolean timeBased;
  int windowSize = DEFAULT_WINDOW_SIZE;
  int minimumNumberOfCalls = DEFAULT_MINIMUM_CALLS;
  boolean minimumNumberOfCallsSet;
  float failureRateThreshold = DEFAULT_FAILURE_RATE;
  float slowCallRateThreshold = DEFAULT_SLOW_CALL_RATE;
  boolean slowCallRateThresholdSet;
  @Nullable Duration slowCallDurationThreshold;
  Duration waitInOpen = DEFAULT_WAIT_IN_OPEN;
  double waitMultiplier = 1.0;
  Duration maxWaitInOpen = DEFAULT_WAIT_IN_OPEN;
  int halfOpenTrials = DEFAULT_HALF_OPEN_TRIALS;
  Duration probeTimeout = DEFAULT_PROBE_TIMEOUT;
  Predicate<Throwable> recordFailure = ANY;
  Predicate<Throwable> ignore = NOTHING;
  Ticker ticker = Ticker.system();
  final List<CircuitBreakerListener> listeners = new ArrayList<>();

  CircuitBreakerBuilder(String name) {
    Objects.requireNonNull(name, "name cannot be null");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank");
    }
    this.name = name;
  }

  /**
   * Judges the last {@code calls} calls. This is the default, with 100 calls.
   *
   * @throws IllegalArgumentException if {@code calls} is not between 1 and {@value
   *     #MAX_COUNT_WINDOW}
   */
  public CircuitBreakerBuilder countWindow(int calls) {
    if (calls < 1 || calls > MAX_COUNT_WINDOW) {
      throw new IllegalArgumentException(
          "countWindow must be between 1 and " + MAX_COUNT_WINDOW + " calls: " + calls);
    }
    this.timeBased = false;
    this.windowSize = calls;
    return this;
  }

  /**
   * Judges the calls of the last {@code seconds} seconds, kept in one bucket per second (the
   * current, partial second included). A time-based window reads the ticker once per recorded
   * call.
   *
   * @throws IllegalArgumentException if {@code seconds} is not between 1 and {@value
   *     #MAX_TIME_WINDOW_SECONDS}
   */
  public CircuitBreakerBuilder timeWindow(int seconds) {
    if (seconds < 1 || seconds > MAX_TIME_WINDOW_SECONDS) {
      throw new IllegalArgumentException(
          "timeWindow must be between 1 and " + MAX_TIME_WINDOW_SECONDS + " seconds: " + seconds);
    }
    this.timeBased = true;
    this.windowSize = seconds;
    return this;
  }

  /**
   * Sets how many calls the window must hold before the breaker judges its rates. Default 100, or
   * the size of a smaller count-based window.
   *
   * @throws IllegalArgumentException if {@code calls < 1}
   */
  public CircuitBreakerBuilder minimumNumberOfCalls(int calls) {
    if (calls < 1) {
      throw new IllegalArgumentException("minimumNumberOfCalls must be at least 1: " + calls);
    }
    this.minimumNumberOfCalls = calls;
    this.minimumNumberOfCallsSet = true;
    return this;
  }

  /**
   * Opens the breaker when at least {@code percent} % of the window's calls failed. Default 50.
   *
   * @throws IllegalArgumentException if {@code percent} is not in (0, 100]
   */
  public CircuitBreakerBuilder failureRateThreshold(float percent) {
    this.failureRateThreshold = percent(percent, "failureRateThreshold");
    return this;
  }

  /**
   * Opens the breaker when at least {@code percent} % of the window's calls were slow. Default
   * 100. Needs {@link #slowCallDurationThreshold(Duration)}.
   *
   * @throws IllegalArgumentException if {@code percent} is not in (0, 100]
   */
  public CircuitBreakerBuilder slowCallRateThreshold(float percent) {
    this.slowCallRateThreshold = percent(percent, "slowCallRateThreshold");
    this.slowCallRateThresholdSet = true;
    return this;
  }

  /**
   * Turns slow-call detection on: a call that takes {@code threshold} or longer is slow. Off by
   * default; while off, durations are ignored and a permitted call never reads the ticker.
   *
   * @throws NullPointerException if {@code threshold} is null
   * @throws IllegalArgumentException if {@code threshold} is not positive
   */
  public CircuitBreakerBuilder slowCallDurationThreshold(Duration threshold) {
    this.slowCallDurationThreshold = positive(threshold, "slowCallDurationThreshold");
    return this;
  }

  /**
   * Waits {@code wait} in OPEN before admitting trials, every time. Default 60 s.
   *
   * @throws NullPointerException if {@code wait} is null
   * @throws IllegalArgumentException if {@code wait} is negative
   */
  public CircuitBreakerBuilder waitInOpen(Duration wait) {
    nonNegative(wait, "waitInOpen");
    this.waitInOpen = wait;
    this.waitMultiplier = 1.0;
    this.maxWaitInOpen = wait;
    return this;
  }

  /**
   * Waits {@code initial} in OPEN the first time, then {@code multiplier} times longer after each
   * failed trial that re-opens it, up to {@code max}. Closing the breaker starts again from
   * {@code initial}.
   *
   * @throws NullPointerException if {@code initial} or {@code max} is null
   * @throws IllegalArgumentException if {@code initial} is negative, {@code multiplier} is below
   *     1, infinite or NaN, or {@code max < initial}
   */
  public CircuitBreakerBuilder waitInOpen(Duration initial, double multiplier, Duration max) {
    nonNegative(initial, "initial");
    nonNegative(max, "max");
    if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException("multiplier must be a finite number >= 1: " + multiplier);
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "max (" + max + ") must not be less than initial (" + initial + ")");
    }
    this.waitInOpen = initial;
    this.waitMultiplier = multiplier;
    this.maxWaitInOpen = max;
    return this;
  }

  /**
   * Admits exactly {@code trials} trial calls in HALF_OPEN. Default 10.
   *
   * @throws IllegalArgumentException if {@code trials} is not between 1 and {@value
   *     #MAX_HALF_OPEN_TRIALS}
   */
  public CircuitBreakerBuilder halfOpenTrials(int trials) {
    if (trials < 1 || trials > MAX_HALF_OPEN_TRIALS) {
      throw new IllegalArgumentException(
          "halfOpenTrials must be between 1 and " + MAX_HALF_OPEN_TRIALS + ": " + trials);
    }
    this.halfOpenTrials = trials;
    return this;
  }

  /**
   * Reclaims a trial lease not reported within {@code timeout}: the next caller gets the slot, and
   * the late result counts nowhere. Default 60 s.
   *
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is not positive
   */
  public CircuitBreakerBuilder probeTimeout(Duration timeout) {
    this.probeTimeout = positive(timeout, "probeTimeout");
    return this;
  }

  /**
   * Records as failures only what {@code predicate} matches; other failures count as successes.
   * Default: every {@link Throwable}. Replaces an earlier predicate.
   *
   * @throws NullPointerException if {@code predicate} is null
   */
  public CircuitBreakerBuilder recordFailure(Predicate<Throwable> predicate) {
    this.recordFailure = Objects.requireNonNull(predicate, "predicate cannot be null");
    return this;
  }

  /**
   * Ignores failures that {@code predicate} matches: they count as neither success nor failure,
   * and a trial that ends with one frees its lease. Wins over {@link #recordFailure}. Default:
   * nothing ignored. Replaces an earlier predicate.
   *
   * @throws NullPointerException if {@code predicate} is null
   */
  public CircuitBreakerBuilder ignore(Predicate<Throwable> predicate) {
    this.ignore = Objects.requireNonNull(predicate, "predicate cannot be null");
    return this;
  }

  /**
   * Sets the ticker for waits, probe timeouts, time-based windows and call durations. Default
   * {@link Ticker#system()}.
   *
   * @throws NullPointerException if {@code ticker} is null
   */
  public CircuitBreakerBuilder ticker(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker cannot be null");
    return this;
  }

  /**
   * Adds a listener; listeners are called in the order added, each isolated from the others.
   *
   * @throws NullPointerException if {@code listener} is null
   */
  public CircuitBreakerBuilder listener(CircuitBreakerListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener cannot be null"));
    return this;
  }

  /**
   * Builds the breaker, CLOSED, from a copy of this builder's settings.
   *
   * @throws IllegalStateException if {@code minimumNumberOfCalls} was set larger than a
   *     count-based window (the window could never hold enough calls), or if a slow-call rate
   *     threshold was set without a slow-call duration threshold
   */
  public CircuitBreaker build() {
    if (!timeBased && minimumNumberOfCallsSet && minimumNumberOfCalls > windowSize) {
      throw new IllegalStateException(
          "minimumNumberOfCalls (" + minimumNumberOfCalls + ") must not exceed countWindow ("
              + windowSize + ")");
    }
    if (slowCallRateThresholdSet && slowCallDurationThreshold == null) {
      throw new IllegalStateException(
          "slowCallRateThreshold needs slowCallDurationThreshold to be set");
    }
    return new DefaultCircuitBreaker(this);
  }

  int effectiveMinimumNumberOfCalls() {
    return !timeBased && !minimumNumberOfCallsSet
        ? Math.min(minimumNumberOfCalls, windowSize)
        : minimumNumberOfCalls;
  }

  private static float percent(float percent, String name) {
    if (!(percent > 0f && percent <= 100f)) {
      throw new IllegalArgumentException(name + " must be in (0, 100]: " + percent);
    }
    return percent;
  }

  private static Duration nonNegative(Duration d, String name) {
    Objects.requireNonNull(d, name + " cannot be null");
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative: " + d);
    }
    return d;
  }

  private static Duration positive(Duration d, String name) {
    Objects.requireNonNull(d, name + " cannot be null");
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
    return d;
  }
}
