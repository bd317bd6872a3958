package dev.closedloop.sync.retry;

import dev.closedloop.sync.time.Cancellable;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The asynchronous driver of a {@link RetryExecution}: it starts each attempt, waits on the
 * policy's {@link dev.closedloop.sync.time.Scheduler} (never parking a thread), enforces the
 * attempt timeout with a scheduled task, and completes the future it returned to the caller.
 *
 * <p>The first attempt starts on the calling thread; later attempts start on the scheduler's
 * thread; decisions and listeners run on whichever thread completed the attempt's stage (or the
 * scheduler's, for a timeout).
 *
 * <p>Cancellation: when the returned future completes by any other hand than ours (typically
 * {@code cancel}), the pending wait is cancelled on the scheduler, the in-flight attempt's future
 * is cancelled (with {@code mayInterruptIfRunning = true}), its timeout task is cancelled, and no
 * further attempt starts. Listeners hear nothing of a cancelled call.
 *
 * <p>Concurrency: each attempt is settled exactly once, by a CAS on its {@link Attempt}: the
 * attempt's own completion, its timeout and a cancellation race on it and only the winner goes
 * on. The {@link RetryExecution} is therefore touched by one thread at a time, each hand-off
 * ordered by that CAS or by the scheduler. {@code wait} and {@code current} are volatile so that
 * a cancelling thread sees the latest; the re-checks of {@code result.isDone()} after publishing
 * them close the race with a cancellation that read the older value.
 */
final class AsyncRetryExecution<R, F> implements Runnable {
  private final DefaultRetryPolicy<R> policy;
  private final RetryExecution<R> exec;
  private final @Nullable Supplier<? extends CompletionStage<? extends R>> plain;
  private final @Nullable Function<? super AttemptContext, ? extends CompletionStage<? extends R>> withContext;
  private final CompletableFuture<F> result;
  private final boolean outcomeWanted;
  private volatile @Nullable Cancellable wait;
  private volatile @Nullable Attempt current;

  private AsyncRetryExecution(
      DefaultRetryPolicy<R> policy,
      @Nullable Supplier<? extends CompletionStage<? extends R>> plain,
      @Nullable Function<? super AttemptContext, ? extends CompletionStage<? extends R>> withContext,
      boolean outcomeWanted,
      @Nullable RetryListener<? super R> own) {
    this.policy = policy;
    this.exec = new RetryExecution<>(policy, policy.ticker.read(), own);
    this.plain = plain;
    this.withContext = withContext;
    this.result = new CompletableFuture<>();
    this.outcomeWanted = outcomeWanted;
  }

  /**
   * Starts a call whose future completes with the result, or exceptionally as execute throws;
   * {@code own}, if not null, hears this call's events after the policy's listeners.
   */
  static <R> CompletableFuture<R> execute(
      DefaultRetryPolicy<R> policy,
      @Nullable Supplier<? extends CompletionStage<? extends R>> plain,
      @Nullable Function<? super AttemptContext, ? extends CompletionStage<? extends R>> withContext,
      @Nullable RetryListener<? super R> own) {
    AsyncRetryExecution<R, R> e = new AsyncRetryExecution<>(policy, plain, withContext, false, own);
    e.start();
    return e.result;
  }

  /** Starts a call whose future completes with its outcome. */
  static <R> CompletableFuture<RetryOutcome<R>> run(
      DefaultRetryPolicy<R> policy, Supplier<? extends CompletionStage<? extends R>> plain) {
    AsyncRetryExecution<R, RetryOutcome<R>> e = new AsyncRetryExecution<>(policy, plain, null, true, null);
    e.start();
    return e.result;
  }

  private void start() {
    result.whenComplete((value, error) -> onResultCompleted());
    startAttempt();
  }

  /** The scheduled wait is over: the next attempt. */
  @Override
  public void run() {
    wait = null;
    startAttempt();
  }

  private void startAttempt() {
    if (result.isDone()) {
      return;
    }
    int number = exec.attempt();
    long timeout = exec.attemptTimeoutNanos();
    Attempt attempt = new Attempt(number, timeout);
    current = attempt;
    if (timeout == 0) {
      attempt.timeOut();
      return;
    }
    if (timeout > 0) {
      attempt.timer = policy.scheduler.schedule(attempt::timeOut, timeout);
    }
    CompletionStage<? extends R> stage;
    try {
      stage =
          plain != null
              ? plain.get()
              : withContext.apply(policy.context(number, exec.startNanos, timeout));
      if (stage == null) {
        throw new NullPointerException("the call returned a null CompletionStage");
      }
    } catch (Throwable t) {
      attempt.settle(null, t);
      return;
    }
    attempt.future = stage instanceof Future ? (Future<?>) stage : null;
    stage.whenComplete(attempt::settle);
    if (result.isDone()) {
      attempt.abandon();
    } else if (attempt.get()) {
      attempt.cancelFuture(); // the timeout won before the future was published; a no-op if done
    }
  }

  private void afterAttempt(@Nullable R value, @Nullable Throwable failure) {
    if (result.isDone()) {
      return;
    }
    long delay;
    try {
      delay = exec.onAttemptEnd(value, unwrap(failure));
    } catch (Throwable t) {
      result.completeExceptionally(t); // a predicate or hint extractor of the caller's threw
      return;
    }
    if (delay == RetryExecution.DONE) {
      complete();
      return;
    }
    try {
      Cancellable scheduled = policy.scheduler.schedule(this, delay);
      wait = scheduled;
      if (result.isDone()) {
        scheduled.cancel();
      }
    } catch (Throwable t) {
      result.completeExceptionally(t); // the scheduler is shut down
    }
  }

  @SuppressWarnings("unchecked")
  private void complete() {
    RetryOutcome<R> outcome = exec.outcome();
    if (outcomeWanted) {
      result.complete((F) outcome);
    } else if (outcome instanceof RetryOutcome.Success) {
      result.complete((F) ((RetryOutcome.Success<R>) outcome).result());
    } else {
      result.completeExceptionally(exec.failure());
    }
  }

  /** The returned future completed: by us (nothing left to do) or by a cancel. */
  private void onResultCompleted() {
    Cancellable w = wait;
    if (w != null) {
      w.cancel();
    }
    Attempt a = current;
    if (a != null) {
      a.abandon();
    }
  }

  private static @Nullable Throwable unwrap(@Nullable Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** One attempt, settled exactly once by its completion, its timeout or a cancellation. */
  private final class Attempt extends AtomicBoolean {
    private static final long serialVersionUID = 1L;
    final int number;
    final long timeoutNanos;
    volatile @Nullable Cancellable timer;
    volatile @Nullable Future<?> future;

    Attempt(int number, long timeoutNanos) {
      this.number = number;
      this.timeoutNanos = timeoutNanos;
    }

    void settle(@Nullable R value, @Nullable Throwable failure) {
      if (compareAndSet(false, true)) {
        cancelTimer();
        afterAttempt(value, failure);
      }
    }

    void timeOut() {
      if (compareAndSet(false, true)) {
        cancelFuture();
        afterAttempt(null, new AttemptTimeoutException(number, Duration.ofNanos(timeoutNanos)));
      }
    }

    void abandon() {
      if (compareAndSet(false, true)) {
        cancelTimer();
        cancelFuture();
      }
    }

    private void cancelTimer() {
      Cancellable t = timer;
      if (t != null) {
        t.cancel();
      }
    }

    void cancelFuture() {
      Future<?> f = future;
      if (f != null) {
        f.cancel(true);
      }
    }
  }
}
