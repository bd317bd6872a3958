package dev.closedloop.sync.retry;

import dev.closedloop.sync.breaker.CircuitOpenException;
import dev.closedloop.sync.time.Cancellable;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The state of one retried call, and the blocking driver. After each attempt the driver (this
 * class's {@link #runSync}, or {@link AsyncRetryExecution}) reports how the attempt ended; this
 * class asks the policy's {@link DefaultRetryPolicy#decide decision core}, applies the budget,
 * the breaker composition and the listeners, and answers "wait this long, then attempt again" or
 * "done" ({@link #outcome()}). Blocking and asynchronous execution differ only in how they wait
 * and how they run an attempt.
 *
 * <p>Breaker composition: an attempt that fails with {@link CircuitOpenException} was refused by
 * a breaker and never reached the downstream. It is not an attempt: it uses up no attempt, costs
 * no budget token and is not offered to the predicates. The call waits exactly until the breaker
 * admits a trial and tries again with the same attempt number, unless the trial would come at or
 * after the deadline, the breaker is forced open, or this is the {@code maxAttempts}-th refusal
 * in a row (the bound that keeps a policy without deadline from waiting for ever): then the
 * outcome is {@link RetryOutcome.Rejected} with cause {@code CIRCUIT_OPEN}.
 *
 * <p>Budget: an attempt whose failure (or retried result) the policy would retry, or whose retry
 * ran out of attempts or time, takes a token; a success gives back a fraction of one. Aborted
 * and non-retryable failures say nothing about the downstream's health and leave the budget
 * alone. A retry is sent only while the budget {@linkplain RetryBudget#allowsRetry() allows
 * it}; otherwise the outcome is {@link RetryOutcome.Rejected} with cause {@code BUDGET}.
 *
 * <p>An {@link InterruptedException} from an attempt or from a wait is never retried: the call
 * ends {@code ABORTED} with it as the last failure.
 *
 * <p>This class is not threadsafe: one driver uses it, one attempt at a time; the asynchronous
 * driver hands it from thread to thread through happens-before edges (a CAS per attempt, the
 * scheduler, the attempt's future).
 */
final class RetryExecution<R> {
  /** How many earlier failures an outcome keeps (the most recent ones). */
  static final int MAX_EARLIER_FAILURES = 16;

  /** Returned by {@link #onAttemptEnd} when the call is over. */
  static final long DONE = -1;

  private final DefaultRetryPolicy<R> policy;
  final long startNanos;
  private final @Nullable RetryListener<? super R> own;
  private int attempt = 1;
  private int attemptsRun;
  private long previousDelayNanos;
  private long totalDelayNanos;
  private int rejections;
  private @Nullable ArrayDeque<Throwable> earlier;
  private @Nullable R lastResult;
  private @Nullable Throwable lastFailure;
  private @Nullable RetryOutcome<R> outcome;

  RetryExecution(DefaultRetryPolicy<R> policy, long startNanos) {
    this(policy, startNanos, null);
  }

  /** An execution whose events {@code own} hears too, after the policy's listeners. */
  RetryExecution(DefaultRetryPolicy<R> policy, long startNanos, @Nullable RetryListener<? super R> own) {
    this.policy = policy;
    this.startNanos = startNanos;
    this.own = own;
  }

  /** Returns the number of the attempt to run next (or running now), 1-based. */
  int attempt() {
    return attempt;
  }

  /** Returns the outcome once {@link #onAttemptEnd} returned {@link #DONE}, else null. */
  @Nullable
  RetryOutcome<R> outcome() {
    return outcome;
  }

  /**
   * Records how the current attempt ended and returns the nanoseconds to wait before the next
   * one, or {@link #DONE}.
   */
  long onAttemptEnd(@Nullable R result, @Nullable Throwable failure) {
    if (failure instanceof CircuitOpenException) {
      return onRejectedByBreaker((CircuitOpenException) failure);
    }
    if (failure instanceof InterruptedException) {
      rejections = 0;
      attemptsRun = attempt;
      lastResult = result;
      lastFailure = failure;
      return finish(failed(RetryDecision.Reason.ABORTED, result, failure));
    }
    RetryDecision decision =
        policy.decide(attempt, result, failure, elapsedNanos(), previousDelayNanos, policy.random);
    return onDecision(result, failure, decision);
  }

  /** Like {@link #onAttemptEnd} with the decision already taken (the blocking fast path). */
  long onDecision(@Nullable R result, @Nullable Throwable failure, RetryDecision decision) {
    rejections = 0;
    attemptsRun = attempt;
    lastResult = result;
    lastFailure = failure;
    RetryDecision.Reason reason = decision.reason();
    RetryBudget budget = policy.budget;
    switch (reason) {
      case SUCCEEDED:
        policy.succeeded(attempt, result, own);
        outcome = new RetryOutcome.Success<>(result, attempt, Duration.ofNanos(totalDelayNanos));
        return DONE;
      case ABORTED:
      case NOT_RETRYABLE:
        return finish(failed(reason, result, failure));
      case RETRY:
        if (budget != null) {
          budget.onFailure();
          if (!budget.allowsRetry()) {
            return finish(rejected(RetryOutcome.RejectionCause.BUDGET, result, failure));
          }
        }
        if (failure != null) {
          remember(failure);
        }
        policy.fireRetryScheduled(attempt, result, failure, decision, own);
        long delay = decision.delayNanos();
        previousDelayNanos = delay;
        totalDelayNanos = saturatedAdd(totalDelayNanos, delay);
        attempt++;
        return delay;
      default: // an exhaustion
        if (budget != null) {
          budget.onFailure();
        }
        return finish(failed(reason, result, failure));
    }
  }

  /** The wait before the next attempt was interrupted (blocking) : the call ends aborted. */
  void onWaitInterrupted(InterruptedException e) {
    // lastResult/lastFailure belong to the attempt before the wait; it is in `earlier` already
    // when it failed, so the interrupt becomes the last failure.
    lastFailure = e;
    finish(failed(RetryDecision.Reason.ABORTED, lastResult, e));
  }

  private long onRejectedByBreaker(CircuitOpenException refusal) {
    rejections++;
    long wait = refusal.untilTrialNanos();
    long left = timeLeftNanos();
    if (rejections >= policy.maxAttempts || wait == Long.MAX_VALUE || wait >= left) {
      return finish(
          new RetryOutcome.Rejected<>(
              RetryOutcome.RejectionCause.CIRCUIT_OPEN,
              attemptsRun,
              lastResult,
              refusal,
              Duration.ofNanos(totalDelayNanos)));
    }
    totalDelayNanos = saturatedAdd(totalDelayNanos, wait);
    return wait;
  }

  /** Returns the nanoseconds left before the deadline, {@link Long#MAX_VALUE} if none. */
  long timeLeftNanos() {
    return policy.deadlineNanos == Long.MAX_VALUE
        ? Long.MAX_VALUE
        : policy.deadlineNanos - Math.max(0, elapsedNanos());
  }

  /**
   * Returns the time limit of an attempt starting now: the attempt timeout clipped to the time
   * left before the deadline, never negative; -1 when attempts are not limited.
   */
  long attemptTimeoutNanos() {
    return policy.attemptTimeoutNanos(startNanos);
  }

  private long elapsedNanos() {
    return policy.ticker.read() - startNanos;
  }

  private void remember(Throwable failure) {
    ArrayDeque<Throwable> list = earlier;
    if (list == null) {
      list = earlier = new ArrayDeque<>(4);
    }
    if (list.size() == MAX_EARLIER_FAILURES) {
      list.removeFirst();
    }
    list.addLast(failure);
  }

  private List<Throwable> earlierFailures() {
    return earlier == null ? List.of() : List.copyOf(earlier);
  }

  private RetryOutcome<R> failed(RetryDecision.Reason reason, @Nullable R result, @Nullable Throwable failure) {
    return new RetryOutcome.Failed<>(
        reason, attemptsRun, result, failure, earlierFailures(), Duration.ofNanos(totalDelayNanos));
  }

  private RetryOutcome<R> rejected(RetryOutcome.RejectionCause cause, @Nullable R result, @Nullable Throwable failure) {
    return new RetryOutcome.Rejected<>(cause, attemptsRun, result, failure, Duration.ofNanos(totalDelayNanos));
  }

  private long finish(RetryOutcome<R> o) {
    outcome = o;
    policy.fireFailure(o, own);
    return DONE;
  }

  /**
   * Returns what {@code execute} throws for a call that did not succeed: the attempt's own
   * unchecked failure for an abort, else a {@link RetryExhaustedException}, {@link
   * RetryAbortedException} or {@link RetryRejectedException}. Always a {@link RuntimeException}
   * or an {@link Error}.
   */
  Throwable failure() {
    RetryOutcome<R> o = outcome;
    if (o instanceof RetryOutcome.Failed) {
      RetryOutcome.Failed<R> f = (RetryOutcome.Failed<R>) o;
      if (f.reason().isExhaustion()) {
        return new RetryExhaustedException(
            f.reason(), f.attempts(), f.lastResult(), f.lastFailure(), f.earlierFailures(), f.totalDelay());
      }
      Throwable t = f.lastFailure();
      if (t instanceof RuntimeException || t instanceof Error) {
        return t;
      }
      return new RetryAbortedException(f.reason(), f.attempts(), f.lastResult(), t, f.earlierFailures());
    }
    if (o instanceof RetryOutcome.Rejected) {
      RetryOutcome.Rejected<R> r = (RetryOutcome.Rejected<R>) o;
      return new RetryRejectedException(
          r.cause(), r.attempts(), r.lastResult(), r.lastFailure(), earlierFailures());
    }
    throw new IllegalStateException("the call has not failed: " + o);
  }

  // ---------------------------------------------------------------------------------------------
  // The blocking driver

  /** Runs a blocking call to its outcome; {@code first*} describe attempt 1, already run. */
  static <R> RetryExecution<R> continueSync(
      DefaultRetryPolicy<R> policy,
      @Nullable Callable<? extends R> plain,
      @Nullable RetryCallable<? extends R> withContext,
      long startNanos,
      @Nullable R firstResult,
      @Nullable Throwable firstFailure,
      @Nullable RetryDecision firstDecision) {
    RetryExecution<R> exec = new RetryExecution<>(policy, startNanos);
    long delay =
        firstDecision != null
            ? exec.onDecision(firstResult, firstFailure, firstDecision)
            : exec.onAttemptEnd(firstResult, firstFailure);
    while (delay != DONE) {
      if (delay > 0) {
        try {
          policy.scheduler.sleep(delay, policy.ticker); // fake time: no real sleep
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          exec.onWaitInterrupted(e);
          return exec;
        }
      }
      R result = null;
      Throwable failure = null;
      try {
        result = invoke(policy, plain, withContext, exec.attempt, startNanos);
      } catch (Throwable t) {
        failure = t;
      }
      delay = exec.onAttemptEnd(result, failure);
    }
    return exec;
  }

  /**
   * Runs one blocking attempt on the calling thread. With an attempt timeout, a watchdog on the
   * policy's scheduler interrupts the thread when the time is up; whatever the attempt then
   * returns or throws is discarded and it fails with {@link AttemptTimeoutException} (its own
   * failure, if any, suppressed). An InterruptedException thrown by the call itself, when no
   * watchdog fired, restores the thread's interrupt flag.
   */
  static <R> R invoke(
      DefaultRetryPolicy<R> policy,
      @Nullable Callable<? extends R> plain,
      @Nullable RetryCallable<? extends R> withContext,
      int attempt,
      long startNanos)
      throws Throwable {
    long timeout = policy.attemptTimeoutNanos(startNanos);
    if (timeout < 0) {
      try {
        return plain != null ? plain.call() : withContext.call(policy.context(attempt, startNanos, -1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw e;
      }
    }
    if (timeout == 0) {
      throw new AttemptTimeoutException(attempt, Duration.ZERO);
    }
    Watchdog watchdog = new Watchdog(Thread.currentThread());
    Cancellable timer = policy.scheduler.schedule(watchdog, timeout);
    R result = null;
    Throwable failure = null;
    try {
      result = plain != null ? plain.call() : withContext.call(policy.context(attempt, startNanos, timeout));
    } catch (Throwable t) {
      failure = t;
    }
    if (watchdog.finish()) {
      timer.cancel();
      if (failure != null) {
        if (failure instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        throw failure;
      }
      return result;
    }
    AttemptTimeoutException timedOut = new AttemptTimeoutException(attempt, Duration.ofNanos(timeout));
    if (failure != null) {
      timedOut.addSuppressed(failure);
    }
    throw timedOut;
  }

  /**
   * Interrupts the attempt's thread when the attempt timeout fires. States: 0 running, 1 the
   * attempt finished first, 2 firing, 3 fired (the interrupt is delivered). The attempt and the
   * watchdog race on one CAS from 0; when the watchdog wins, the attempt waits for state 3 and
   * then clears the interrupt it caused, so no stray interrupt leaks into the caller's code. An
   * outside interrupt that arrives while the watchdog fires is indistinguishable and cleared too.
   */
  static final class Watchdog extends AtomicInteger implements Runnable {
    private static final long serialVersionUID = 1L;
    private final transient Thread thread;

    Watchdog(Thread thread) {
      this.thread = thread;
    }

    @Override
    public void run() {
      if (compareAndSet(0, 2)) {
        thread.interrupt();
        set(3);
      }
    }

    /** Returns true if the attempt finished in time; false (interrupt cleared) if it timed out. */
    boolean finish() {
      if (compareAndSet(0, 1)) {
        return true;
      }
      while (get() != 3) {
        Thread.onSpinWait();
      }
      Thread.interrupted();
      return false;
    }
  }

  static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
