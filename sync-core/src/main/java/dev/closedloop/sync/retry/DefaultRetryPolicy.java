package dev.closedloop.sync.retry;

import dev.closedloop.sync.spi.Listeners;
import dev.closedloop.sync.time.RandomSource;
import dev.closedloop.sync.time.Scheduler;
import dev.closedloop.sync.time.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one {@link RetryPolicy} implementation: an immutable copy of a builder's settings, the
 * decision core, and the entry points of execution ({@link RetryExecution} blocking, {@link
 * AsyncRetryExecution} asynchronous).
 */
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
  final long attemptTimeoutNanos; // -1 when none
  final Listeners<RetryListener<? super R>> listenerGroup;

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
    this.attemptTimeoutNanos = attemptTimeout == null ? -1 : saturatedNanos(attemptTimeout);
    this.listenerGroup = Listeners.of(this.listeners, log, "Retry");
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
    if (!(draw >= 0.0 && draw < 1.0)) {
      throw new IllegalArgumentException("draw must be in [0, 1): " + draw);
    }
    return decide(attempt, result, failure, elapsedNanos, previousDelayNanos, () -> draw);
  }

  /**
   * The decision core itself. The draw is taken from {@code random} only when a delay has to be
   * computed, so a success (the common case) neither draws nor allocates.
   */
  RetryDecision decide(
      int attempt,
      @Nullable R result,
      @Nullable Throwable failure,
      long elapsedNanos,
      long previousDelayNanos,
      RandomSource random) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be at least 1: " + attempt);
    }
    if (failure == null) {
      RetryDecision verdict = resultVerdict(result);
      if (verdict != null) {
        return verdict;
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
    long backoff = delayNanos(attempt, previousDelayNanos, random.nextDouble());
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

  // ---------------------------------------------------------------------------------------------
  // Execution

  @Override
  public R execute(Callable<? extends R> call) {
    Objects.requireNonNull(call, "call cannot be null");
    return executeSync(call, null);
  }

  @Override
  public R execute(RetryCallable<? extends R> call) {
    Objects.requireNonNull(call, "call cannot be null");
    return executeSync(null, call);
  }

  @Override
  public RetryOutcome<R> run(Callable<? extends R> call) {
    Objects.requireNonNull(call, "call cannot be null");
    long start = ticker.read();
    R result = null;
    Throwable failure = null;
    try {
      result = RetryExecution.invoke(this, call, null, 1, start);
    } catch (Throwable t) {
      failure = t;
    }
    RetryOutcome<R> outcome =
        RetryExecution.continueSync(this, call, null, start, result, failure, null).outcome();
    return Objects.requireNonNull(outcome, "outcome");
  }

  @Override
  public CompletableFuture<R> executeAsync(Supplier<? extends CompletionStage<? extends R>> call) {
    Objects.requireNonNull(call, "call cannot be null");
    return AsyncRetryExecution.execute(this, call, null, null);
  }

  @Override
  public CompletableFuture<R> executeAsync(
      Function<? super AttemptContext, ? extends CompletionStage<? extends R>> call) {
    Objects.requireNonNull(call, "call cannot be null");
    return AsyncRetryExecution.execute(this, null, call, null);
  }

  @Override
  public CompletableFuture<R> executeAsync(
      Function<? super AttemptContext, ? extends CompletionStage<? extends R>> call,
      RetryListener<? super R> listener) {
    Objects.requireNonNull(call, "call cannot be null");
    Objects.requireNonNull(listener, "listener cannot be null");
    return AsyncRetryExecution.execute(this, null, call, listener);
  }

  @Override
  public CompletableFuture<RetryOutcome<R>> runAsync(Supplier<? extends CompletionStage<? extends R>> call) {
    Objects.requireNonNull(call, "call cannot be null");
    return AsyncRetryExecution.run(this, call);
  }

  /**
   * The blocking path. Attempt 1 runs without allocating anything of ours (no execution state,
   * no list, no context for a plain {@link Callable}, no random draw); the execution state is
   * created only when the first attempt did not simply succeed.
   */
  private R executeSync(@Nullable Callable<? extends R> plain, @Nullable RetryCallable<? extends R> withContext) {
    // The start time matters only to a deadline, an attempt timeout or an attempt that reads its
    // context; without them it is read at the first failure, so that a call that succeeds at
    // once reads no clock at all (a read costs about as much as the rest of the success path).
    boolean timed = plain == null || deadlineNanos != Long.MAX_VALUE || attemptTimeoutNanos >= 0;
    long start = timed ? ticker.read() : 0;
    R result = null;
    Throwable failure = null;
    try {
      result = RetryExecution.invoke(this, plain, withContext, 1, start);
    } catch (Throwable t) {
      failure = t;
    }
    RetryDecision first = null;
    if (failure == null) {
      // a result's verdict depends neither on time nor on the attempt: no clock read to decide it
      first = resultVerdict(result);
      if (first != null && first.reason() == RetryDecision.Reason.SUCCEEDED) {
        succeeded(1, result, null);
        return result;
      }
    }
    if (!timed) {
      start = ticker.read();
    }
    if (failure == null && first == null) {
      first = decide(1, result, null, ticker.read() - start, 0, random);
    }
    RetryExecution<R> exec =
        RetryExecution.continueSync(this, plain, withContext, start, result, failure, first);
    RetryOutcome<R> outcome = exec.outcome();
    if (outcome instanceof RetryOutcome.Success) {
      return ((RetryOutcome.Success<R>) outcome).result();
    }
    Throwable thrown = exec.failure();
    if (thrown instanceof Error) {
      throw (Error) thrown;
    }
    throw (RuntimeException) thrown;
  }

  /** See {@link RetryExecution#attemptTimeoutNanos()}. */
  long attemptTimeoutNanos(long startNanos) {
    if (attemptTimeoutNanos < 0) {
      return -1;
    }
    if (deadlineNanos == Long.MAX_VALUE) {
      return attemptTimeoutNanos;
    }
    long left = deadlineNanos - Math.max(0, ticker.read() - startNanos);
    return Math.max(0, Math.min(attemptTimeoutNanos, left));
  }

  /** Creates the context of an attempt starting now, limited to {@code timeoutNanos} if >= 0. */
  AttemptContext context(int attempt, long startNanos, long timeoutNanos) {
    long now = ticker.read();
    long left = deadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE : deadlineNanos - (now - startNanos);
    if (timeoutNanos >= 0 && timeoutNanos < left) {
      left = timeoutNanos;
    }
    boolean limited = left != Long.MAX_VALUE;
    return new AttemptContext(
        attempt, maxAttempts, ticker, limited ? RetryExecution.saturatedAdd(now, left) : 0, limited);
  }

  // ---------------------------------------------------------------------------------------------
  // Budget and listeners

  /**
   * A call succeeded on attempt {@code attempts}: refill the budget, tell the listeners (the
   * policy's, then the call's own, if it has one).
   */
  void succeeded(int attempts, @Nullable R result, @Nullable RetryListener<? super R> own) {
    RetryBudget b = budget;
    if (b != null) {
      b.onSuccess();
    }
    if (!listenerGroup.isEmpty()) { // the hot path: not even the boxing of attempts without listeners
      listenerGroup.fire("onSuccess", RetryListener::onSuccess, attempts, result);
    }
    if (own != null) {
      Listeners.isolate(log, "Retry", own, "onSuccess", () -> own.onSuccess(attempts, result));
    }
  }

  void fireRetryScheduled(int attempt, @Nullable R result, @Nullable Throwable failure, RetryDecision decision,
      @Nullable RetryListener<? super R> own) {
    if (!listenerGroup.isEmpty()) {
      listenerGroup.fire("onRetryScheduled", l -> l.onRetryScheduled(attempt, result, failure, decision));
    }
    if (own != null) {
      Listeners.isolate(log, "Retry", own, "onRetryScheduled",
          () -> own.onRetryScheduled(attempt, result, failure, decision));
    }
  }

  @SuppressWarnings("unchecked")
  void fireFailure(RetryOutcome<R> outcome, @Nullable RetryListener<? super R> own) {
    // A listener of a supertype of R reads the outcome's result as that supertype: safe.
    listenerGroup.fire("onFailure", (l, o) -> ((RetryListener<R>) l).onFailure(o), outcome);
    if (own != null) {
      Listeners.isolate(log, "Retry", own, "onFailure", () -> ((RetryListener<R>) own).onFailure(outcome));
    }
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

  // Indexed loops: a for-each would allocate an iterator per call until the JIT removes it, and
  // the success path is meant to allocate nothing even before that.
  /**
   * The part of the decision that depends on a result alone (neither time nor attempt): abort,
   * success, or null when the result is to be retried and the rest of {@link #decide} applies.
   */
  private @Nullable RetryDecision resultVerdict(@Nullable R result) {
    if (matches(abortOnResult, result)) {
      return RetryDecision.stop(RetryDecision.Reason.ABORTED, -1);
    }
    if (!matches(retryOnResult, result)) {
      return RetryDecision.stop(RetryDecision.Reason.SUCCEEDED, -1);
    }
    return null;
  }

  private boolean matches(List<Predicate<? super R>> predicates, @Nullable R result) {
    for (int i = 0, n = predicates.size(); i < n; i++) {
      if (predicates.get(i).test(result)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matchesFailure(List<Predicate<Throwable>> predicates, Throwable failure) {
    for (int i = 0, n = predicates.size(); i < n; i++) {
      if (predicates.get(i).test(failure)) {
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
