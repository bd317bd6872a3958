package dev.closedloop.sync.retry;

import dev.closedloop.sync.time.RandomSource;
import dev.closedloop.sync.time.Scheduler;
import dev.closedloop.sync.time.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one {@link RetryPolicy} implementation: an immutable copy of a builder's settings. */
final class DefaultRetryPolicy<R> implements RetryPolicy<R> {
  private static final Logger log = LoggerFactory.getLogger(RetryPolicy.class);

  final int maxAttempts;
  final Duration initialDelay;
  final double multiplier;
  final Duration maxDelay;
  final @Nullable Duration deadline;
  final @Nullable Duration attemptTimeout;
  final Jitter jitter;
  final RandomSource random;
  final Ticker ticker;
  final Scheduler scheduler;
  final List<Predicate<Throwable>> retryOn;
  final List<Predicate<Throwable>> abortOn;
  final List<Predicate<? super R>> retryOnResult;
  final List<Predicate<? super R>> abortOnResult;
  final HintExtractor<R> hints;
  final @Nullable RetryBudget budget;
  final List<RetryListener<? super R>> listeners;

  final long initialNanos;
  final long maxNanos;
  final long deadlineNanos; // Long.MAX_VALUE when none
  final double log2Multiplier;

  DefaultRetryPolicy(RetryPolicyBuilder<R> b) {
    this.maxAttempts = b.maxAttempts;
    this.initialDelay = b.initialDelay;
    this.multiplier = b.multiplier;
    this.maxDelay = b.maxDelay;
    this.deadline = b.deadline;
    this.attemptTimeout = b.attemptTimeout;
    this.jitter = b.jitter;
    this.random = b.random;
    this.ticker = b.ticker;
    this.scheduler = b.scheduler;
    this.retryOn = List.copyOf(b.retryOn);
    this.abortOn = List.copyOf(b.abortOn);
    this.retryOnResult = List.copyOf(b.retryOnResult);
    this.abortOnResult = List.copyOf(b.abortOnResult);
    this.hints = b.hints;
    this.budget = b.budget;
    this.listeners = List.copyOf(b.listeners);
    this.initialNanos = saturatedNanos(initialDelay);
    this.maxNanos = saturatedNanos(maxDelay);
    this.deadlineNanos = deadline == null ? Long.MAX_VALUE : saturatedNanos(deadline);
    this.log2Multiplier = Math.log(multiplier) / Math.log(2);
  }

  @Override
  public RetryPolicyBuilder<R> toBuilder() {
    RetryPolicyBuilder<R> b = new RetryPolicyBuilder<>();
    b.maxAttempts = maxAttempts;
    b.initialDelay = initialDelay;
    b.multiplier = multiplier;
    b.maxDelay = maxDelay;
    b.deadline = deadline;
    b.attemptTimeout = attemptTimeout;
    b.jitter = jitter;
    b.random = random;
    b.ticker = ticker;
    b.scheduler = scheduler;
    b.retryOn.addAll(retryOn);
    b.abortOn.addAll(abortOn);
    b.retryOnResult.addAll(retryOnResult);
    b.abortOnResult.addAll(abortOnResult);
    b.hints = hints;
    b.budget = budget;
    b.listeners.addAll(listeners);
    return b;
  }

  @Override
  public int maxAttempts() {
    return maxAttempts;
  }

  @Override
  public Duration initialDelay() {
    return initialDelay;
  }

  @Override
  public double multiplier() {
    return multiplier;
  }

  @Override
  public Duration maxDelay() {
    return maxDelay;
  }

  @Override
  public @Nullable Duration deadline() {
    return deadline;
  }

  @Override
  public @Nullable Duration attemptTimeout() {
    return attemptTimeout;
  }

  @Override
  public Jitter jitter() {
    return jitter;
  }

  @Override
  public RandomSource random() {
    return random;
  }

  @Override
  public Ticker ticker() {
    return ticker;
  }

  @Override
  public Scheduler scheduler() {
    return scheduler;
  }

  @Override
  public long backoffNanos(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be at least 1: " + attempt);
    }
    if (initialNanos == 0) {
      return 0;
    }
    // initial * multiplier^(attempt-1), in O(1); the double saturates to +Infinity long before
    // it could overflow, and any value at or above the cap is the cap.
    double grown = initialNanos * Math.pow(multiplier, attempt - 1);
    return grown >= maxNanos ? maxNanos : (long) grown;
  }

  @Override
  public long delayNanos(int attempt, long previousDelayNanos, double draw) {
    long capped = backoffNanos(attempt);
    long prev = previousDelayNanos <= 0 ? initialNanos : previousDelayNanos;
    long d = jitter.apply(capped, initialNanos, maxNanos, prev, draw);
    return d < 0 ? 0 : d;
  }

  @Override
  public RetryDecision decide(
      int attempt,
      @Nullable R result,
      @Nullable Throwable failure,
      long elapsedNanos,
      long previousDelayNanos,
      double draw) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be at least 1: " + attempt);
    }
    if (failure == null) {
      if (matches(abortOnResult, result)) {
        return RetryDecision.stop(RetryDecision.Reason.ABORTED, -1);
      }
      if (!matches(retryOnResult, result)) {
        return RetryDecision.stop(RetryDecision.Reason.SUCCEEDED, -1);
      }
    } else {
      if (matchesFailure(abortOn, failure)) {
        return RetryDecision.stop(RetryDecision.Reason.ABORTED, -1);
      }
      boolean retryable =
          retryOn.isEmpty() ? failure instanceof Exception : matchesFailure(retryOn, failure);
      if (!retryable) {
        return RetryDecision.stop(RetryDecision.Reason.NOT_RETRYABLE, -1);
      }
    }
    long hint = hintNanos(result, failure);
    if (attempt >= maxAttempts) {
      return RetryDecision.stop(RetryDecision.Reason.ATTEMPTS_EXHAUSTED, hint);
    }
    long backoff = delayNanos(attempt, previousDelayNanos, draw);
    boolean hinted = hint > backoff;
    long delay = hinted ? hint : backoff;
    if (deadlineNanos != Long.MAX_VALUE) {
      long left = deadlineNanos - Math.max(0, elapsedNanos);
      if (delay >= left) {
        return RetryDecision.stop(
            hinted ? RetryDecision.Reason.HINT_BEYOND_DEADLINE : RetryDecision.Reason.DEADLINE_REACHED,
            hint);
      }
    }
    return RetryDecision.retry(delay, hint);
  }

  private long hintNanos(@Nullable R result, @Nullable Throwable failure) {
    Duration hint = null;
    try {
      hint = hints.hint(result, failure);
      if (hint == null && failure instanceof RetryAfterHint) {
        hint = ((RetryAfterHint) failure).retryAfter().orElse(null);
      }
    } catch (RuntimeException e) {
      log.warn("Retry hint extractor {} failed; treating the attempt as carrying no hint", hints, e);
    }
    if (hint == null) {
      return -1;
    }
    return hint.isNegative() ? 0 : saturatedNanos(hint);
  }

  private boolean matches(List<Predicate<? super R>> predicates, @Nullable R result) {
    for (Predicate<? super R> p : predicates) {
      if (p.test(result)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matchesFailure(List<Predicate<Throwable>> predicates, Throwable failure) {
    for (Predicate<Throwable> p : predicates) {
      if (p.test(failure)) {
        return true;
      }
    }
    return false;
  }

  static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  @Override
  public String toString() {
    return "RetryPolicy[maxAttempts=" + maxAttempts + ", initialDelay=" + initialDelay
        + ", multiplier=" + multiplier + ", maxDelay=" + maxDelay + ", deadline=" + deadline
        + ", attemptTimeout=" + attemptTimeout + ", jitter=" + jitter + "]";
  }
}
