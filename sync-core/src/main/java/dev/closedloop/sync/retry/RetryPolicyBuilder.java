package dev.closedloop.sync.retry;

import dev.closedloop.sync.time.RandomSource;
import dev.closedloop.sync.time.Scheduler;
import dev.closedloop.sync.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link RetryPolicy}. Every setter validates its argument at once with a fixed message;
 * {@link #build()} checks the options against each other and copies them, so a builder can be
 * reused and changed after building.
 *
 * <p>This class is not threadsafe.
 *
 * @param <R> the type of the calls' results
 */
public final class RetryPolicyBuilder<R> {
  static final int DEFAULT_MAX_ATTEMPTS = 3;
  static final Duration DEFAULT_INITIAL_DELAY = Duration.ofSeconds(1);
  static final double DEFAULT_MULTIPLIER = 2.0;
  static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(30);
  static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

  int maxAttempts = DEFAULT_MAX_ATTEMPTS;
  Duration initialDelay = DEFAULT_INITIAL_DELAY;
  double multiplier = DEFAULT_MULTIPLIER;
  Duration maxDelay = DEFAULT_MAX_DELAY;
  @Nullable Duration deadline = DEFAULT_DEADLINE;
  @Nullable Duration attemptTimeout;
  Jitter jitter = Jitter.full();
  RandomSource random = RandomSource.system();
  Ticker ticker = Ticker.system();
  Scheduler scheduler = Scheduler.system();
  final List<Predicate<Throwable>> retryOn = new ArrayList<>();
  final List<Predicate<Throwable>> abortOn = new ArrayList<>();
  final List<Predicate<? super R>> retryOnResult = new ArrayList<>();
  final List<Predicate<? super R>> abortOnResult = new ArrayList<>();
  @SuppressWarnings("unchecked")
  HintExtractor<R> hints = HintExtractor.NONE;
  @Nullable RetryBudget budget;
  final List<RetryListener<? super R>> listeners = new ArrayList<>();

  RetryPolicyBuilder() {}

  /**
   * Sets the maximum number of attempts, the first included. Default 3.
   *
   * @throws IllegalArgumentException if {@code maxAttempts < 1}
   */
  public RetryPolicyBuilder<R> maxAttempts(int maxAttempts) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
    }
    this.maxAttempts = maxAttempts;
    return this;
  }

  /**
   * Sets the backoff before the first retry. Default 1 s.
   *
   * @throws NullPointerException if {@code initialDelay} is null
   * @throws IllegalArgumentException if {@code initialDelay} is negative
   */
  public RetryPolicyBuilder<R> initialDelay(Duration initialDelay) {
    this.initialDelay = nonNegative(initialDelay, "initialDelay");
    return this;
  }

  /**
   * Sets the growth factor of the backoff. Default 2; 1 gives a constant backoff.
   *
   * @throws IllegalArgumentException if {@code multiplier} is below 1, infinite or NaN
   */
  public RetryPolicyBuilder<R> multiplier(double multiplier) {
    if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException("multiplier must be a finite number >= 1: " + multiplier);
    }
    this.multiplier = multiplier;
    return this;
  }

  /**
   * Sets the cap on the backoff, applied before jitter. Default 30 s.
   *
   * @throws NullPointerException if {@code maxDelay} is null
   * @throws IllegalArgumentException if {@code maxDelay} is negative
   */
  public RetryPolicyBuilder<R> maxDelay(Duration maxDelay) {
    this.maxDelay = nonNegative(maxDelay, "maxDelay");
    return this;
  }

  /**
   * Sets the fixed backoff {@code delay} for every retry: initial and maximum delay both {@code
   * delay}, multiplier 1.
   *
   * @throws NullPointerException if {@code delay} is null
   * @throws IllegalArgumentException if {@code delay} is negative
   */
  public RetryPolicyBuilder<R> fixedDelay(Duration delay) {
    nonNegative(delay, "delay");
    this.initialDelay = delay;
    this.maxDelay = delay;
    this.multiplier = 1.0;
    return this;
  }

  /**
   * Sets the time budget of the whole call, attempts and waits included. No wait starts that
   * would end at or after it. Default 30 s.
   *
   * @throws NullPointerException if {@code deadline} is null
   * @throws IllegalArgumentException if {@code deadline} is not positive
   */
  public RetryPolicyBuilder<R> deadline(Duration deadline) {
    this.deadline = positive(deadline, "deadline");
    return this;
  }

  /** Removes the deadline: only {@link #maxAttempts(int)} bounds the call. */
  public RetryPolicyBuilder<R> noDeadline() {
    this.deadline = null;
    return this;
  }

  /**
   * Limits each attempt to {@code attemptTimeout} (clipped to the time left before the
   * deadline). An attempt that runs out fails with {@link AttemptTimeoutException}, which is
   * retried like any other failure unless an abort predicate says otherwise. Not limited by
   * default.
   *
   * @throws NullPointerException if {@code attemptTimeout} is null
   * @throws IllegalArgumentException if {@code attemptTimeout} is not positive
   */
  public RetryPolicyBuilder<R> attemptTimeout(Duration attemptTimeout) {
    this.attemptTimeout = positive(attemptTimeout, "attemptTimeout");
    return this;
  }

  /**
   * Sets the jitter strategy. Default {@link Jitter#full()}.
   *
   * @throws NullPointerException if {@code jitter} is null
   */
  public RetryPolicyBuilder<R> jitter(Jitter jitter) {
    this.jitter = Objects.requireNonNull(jitter, "jitter cannot be null");
    return this;
  }

  /**
   * Sets the source of jitter draws. Default {@link RandomSource#system()}.
   *
   * @throws NullPointerException if {@code random} is null
   */
  public RetryPolicyBuilder<R> random(RandomSource random) {
    this.random = Objects.requireNonNull(random, "random cannot be null");
    return this;
  }

  /**
   * Sets the ticker that measures time against the deadline. Default {@link Ticker#system()}.
   * With a {@link dev.closedloop.sync.time.ManualTicker}, blocking execution does not sleep: its
   * waits advance the ticker (or the {@link dev.closedloop.sync.time.VirtualScheduler} driving
   * it, if that is the policy's scheduler), so tests on fake time run instantly.
   *
   * @throws NullPointerException if {@code ticker} is null
   */
  public RetryPolicyBuilder<R> ticker(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker cannot be null");
    return this;
  }

  /**
   * Sets the scheduler that asynchronous execution waits on, and that times attempts when an
   * {@linkplain #attemptTimeout(Duration) attempt timeout} is set (in blocking execution too).
   * Default {@link Scheduler#system()}.
   *
   * @throws NullPointerException if {@code scheduler} is null
   */
  public RetryPolicyBuilder<R> scheduler(Scheduler scheduler) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler cannot be null");
    return this;
  }

  /**
   * Retries failures of the given types (or their subtypes). Calling any {@code retryOn} method
   * replaces the default "any {@link Exception}" with the union of what was given.
   *
   * @throws NullPointerException if a type is null
   * @throws IllegalArgumentException if no type is given
   */
  @SafeVarargs
  public final RetryPolicyBuilder<R> retryOn(Class<? extends Throwable>... failureTypes) {
    retryOn.add(typePredicate(failureTypes, "failureTypes"));
    return this;
  }

  /**
   * Retries failures that {@code predicate} matches; see {@link #retryOn(Class[])}.
   *
   * @throws NullPointerException if {@code predicate} is null
   */
  public RetryPolicyBuilder<R> retryIf(Predicate<Throwable> predicate) {
    retryOn.add(Objects.requireNonNull(predicate, "predicate cannot be null"));
    return this;
  }

  /**
   * Never retries failures of the given types; abort predicates win over retry predicates.
   *
   * @throws NullPointerException if a type is null
   * @throws IllegalArgumentException if no type is given
   */
  @SafeVarargs
  public final RetryPolicyBuilder<R> abortOn(Class<? extends Throwable>... failureTypes) {
    abortOn.add(typePredicate(failureTypes, "failureTypes"));
    return this;
  }

  /**
   * Never retries failures that {@code predicate} matches.
   *
   * @throws NullPointerException if {@code predicate} is null
   */
  public RetryPolicyBuilder<R> abortIf(Predicate<Throwable> predicate) {
    abortOn.add(Objects.requireNonNull(predicate, "predicate cannot be null"));
    return this;
  }

  /**
   * Retries results that {@code predicate} matches (for example an HTTP 503 response), as if
   * the attempt had failed. When the attempts run out, the outcome is "exhausted" with that last
   * result; it is never silently returned as a success.
   *
   * @throws NullPointerException if {@code predicate} is null
   */
  public RetryPolicyBuilder<R> retryOnResult(Predicate<? super R> predicate) {
    retryOnResult.add(Objects.requireNonNull(predicate, "predicate cannot be null"));
    return this;
  }

  /**
   * Stops on results that {@code predicate} matches, with outcome "aborted" (for example an
   * HTTP 422 response).
   *
   * @throws NullPointerException if {@code predicate} is null
   */
  public RetryPolicyBuilder<R> abortOnResult(Predicate<? super R> predicate) {
    abortOnResult.add(Objects.requireNonNull(predicate, "predicate cannot be null"));
    return this;
  }

  /**
   * Reads server delay hints from results and failures. Failures that implement {@link
   * RetryAfterHint} give their hint without this.
   *
   * @throws NullPointerException if {@code hints} is null
   */
  public RetryPolicyBuilder<R> hints(HintExtractor<R> hints) {
    this.hints = Objects.requireNonNull(hints, "hints cannot be null");
    return this;
  }

  /**
   * Shares {@code budget} with every other policy given the same budget: retries are allowed
   * only while the budget holds enough tokens, so retry traffic to a failing downstream stays
   * bounded. None by default.
   *
   * @throws NullPointerException if {@code budget} is null
   */
  public RetryPolicyBuilder<R> budget(RetryBudget budget) {
    this.budget = Objects.requireNonNull(budget, "budget cannot be null");
    return this;
  }

  /**
   * Adds a listener; listeners are called in the order added, each isolated from the others.
   *
   * @throws NullPointerException if {@code listener} is null
   */
  public RetryPolicyBuilder<R> listener(RetryListener<? super R> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener cannot be null"));
    return this;
  }

  /**
   * Builds the policy from a copy of this builder's settings.
   *
   * @throws IllegalStateException if {@code maxDelay < initialDelay}, or if an attempt timeout
   *     longer than the deadline is set
   */
  public RetryPolicy<R> build() {
    if (maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalStateException(
          "maxDelay (" + maxDelay + ") must not be less than initialDelay (" + initialDelay + ")");
    }
    if (attemptTimeout != null && deadline != null && attemptTimeout.compareTo(deadline) > 0) {
      throw new IllegalStateException(
          "attemptTimeout (" + attemptTimeout + ") must not exceed the deadline (" + deadline + ")");
    }
    return new DefaultRetryPolicy<>(this);
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

  private static Predicate<Throwable> typePredicate(Class<? extends Throwable>[] types, String name) {
    Objects.requireNonNull(types, name + " cannot be null");
    if (types.length == 0) {
      throw new IllegalArgumentException(name + " must name at least one type");
    }
    List<Class<? extends Throwable>> copy = new ArrayList<>(types.length);
    for (Class<? extends Throwable> t : types) {
      copy.add(Objects.requireNonNull(t, name + " cannot contain null"));
    }
    return new Predicate<>() {
      @Override
      public boolean test(Throwable failure) {
        for (Class<? extends Throwable> t : copy) {
          if (t.isInstance(failure)) {
            return true;
          }
        }
        return false;
      }

      @Override
      public String toString() {
        return "instanceOf" + copy;
      }
    };
  }
}
