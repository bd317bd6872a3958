package dev.closedloop.sync.retry;

import dev.closedloop.sync.time.RandomSource;
import dev.closedloop.sync.time.Scheduler;
import dev.closedloop.sync.time.Ticker;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * When and how often to try a call again, and the way to run a call under it. A policy is an
 * immutable value; its {@link #decide} method is the single decision core that blocking ({@link
 * #execute(Callable)}, {@link #run}), asynchronous ({@link #executeAsync(Supplier)}, {@link
 * #runAsync}) and queued execution share.
 *
 * <pre>{@code
 * RetryPolicy<Response> policy = RetryPolicy.<Response>builder()
 *     .retryOnResult(r -> r.status() == 503)
 *     .budget(sharedBudget)
 *     .build();
 * Response r = policy.execute(ctx -> http.send(request.timeout(ctx.remaining())));
 * }</pre>
 *
 * <p>How a call ends: the result of the first attempt the policy does not retry; or, when the
 * attempts or the time ran out, {@link RetryExhaustedException} (last failure as cause, earlier
 * ones suppressed); or, when an abort predicate matched or the failure is not retryable, that
 * failure itself if unchecked, else {@link RetryAbortedException} with it as cause; or, when a
 * {@link RetryBudget} or an open circuit breaker refused, {@link RetryRejectedException}. {@link
 * #run} and {@link #runAsync} return the same as an explicit {@link RetryOutcome} instead.
 *
 * <p>Composition with a circuit breaker: an attempt that fails with {@link
 * dev.closedloop.sync.breaker.CircuitOpenException} was refused before reaching the downstream.
 * It does not count as an attempt, costs no budget token, and the next try waits exactly until
 * the breaker admits a trial; if that is at or past the deadline, or the breaker refused {@code
 * maxAttempts} times in a row, the call is rejected with {@link
 * RetryOutcome.RejectionCause#CIRCUIT_OPEN}.
 *
 * <p>Defaults ({@link #ofDefaults()}): 3 attempts, first delay 1 s, multiplier 2, maximum delay
 * 30 s, deadline 30 s, {@linkplain Jitter#full() full jitter}, retry on any {@link Exception},
 * no result retried, no per-attempt timeout, no budget.
 *
 * <p>The delay before attempt {@code n + 1} is computed in O(1): {@code min(maxDelay, initialDelay
 * * multiplier^(n-1))} with saturation (no overflow at attempt 60 or 6,000), then jittered, then
 * raised to the server's hint if the attempt carried one. No wait starts that would end at or
 * after the deadline.
 *
 * <p>This class is immutable and threadsafe.
 *
 * @param <R> the type of the calls' results
 */
public interface RetryPolicy<R> {

  /** Returns a builder with the defaults described above. */
  static <R> RetryPolicyBuilder<R> builder() {
    return new RetryPolicyBuilder<>();
  }

  /** Returns a policy with the defaults described above. */
  static <R> RetryPolicy<R> ofDefaults() {
    return RetryPolicy.<R>builder().build();
  }

  /** Returns a builder initialised with this policy's settings. */
  RetryPolicyBuilder<R> toBuilder();

  /** Returns the maximum number of attempts, the first included; at least 1. */
  int maxAttempts();

  /** Returns the backoff before the first retry. */
  Duration initialDelay();

  /** Returns the factor by which the backoff grows with each attempt; at least 1. */
  double multiplier();

  /** Returns the cap on the backoff, applied before jitter. */
  Duration maxDelay();

  /** Returns the time budget for the whole call, retries and waits included, or null if none. */
  @Nullable
  Duration deadline();

  /** Returns the time limit of one attempt, or null if attempts are not limited. */
  @Nullable
  Duration attemptTimeout();

  /** Returns the jitter strategy. */
  Jitter jitter();

  /** Returns the source of the jitter draws. */
  RandomSource random();

  /** Returns the ticker that measures elapsed time against the deadline. */
  Ticker ticker();

  /** Returns the scheduler asynchronous execution waits on. */
  Scheduler scheduler();

  /**
   * Returns the capped backoff before attempt {@code attempt + 1}, before jitter, in
   * nanoseconds.
   *
   * @param attempt the attempt that just failed, 1-based
   * @throws IllegalArgumentException if {@code attempt < 1}
   */
  long backoffNanos(int attempt);

  /**
   * Returns the jittered delay before attempt {@code attempt + 1}, ignoring hints and deadline.
   *
   * @param attempt the attempt that just failed, 1-based
   * @param previousDelayNanos the delay used before {@code attempt}, or {@link #initialDelay()}
   *     before the first retry (only decorrelated jitter reads it)
   * @param draw a uniform draw in {@code [0, 1)}
   */
  long delayNanos(int attempt, long previousDelayNanos, double draw);

  /**
   * The decision core: given how attempt {@code attempt} ended, returns whether to try again and
   * after how long. Pure: the same arguments give the same decision; it reads no clock and draws
   * no random number itself.
   *
   * <p>Order of checks: an abort predicate on the failure or result → {@code ABORTED}; a result
   * that no retry predicate matches → {@code SUCCEEDED}; a failure no retry predicate matches →
   * {@code NOT_RETRYABLE}; the last attempt → {@code ATTEMPTS_EXHAUSTED}; then the delay {@code
   * max(hint, jittered backoff)}; if {@code elapsed + delay} reaches the deadline → {@code
   * HINT_BEYOND_DEADLINE} when the hint set the delay, else {@code DEADLINE_REACHED}; otherwise
   * {@code RETRY}.
   *
   * @param attempt the attempt that just ended, 1-based
   * @param result its result, null if it failed (or returned null)
   * @param failure its failure, null if it returned
   * @param elapsedNanos time since the first attempt started
   * @param previousDelayNanos the delay used before this attempt (see {@link #delayNanos})
   * @param draw a uniform draw in {@code [0, 1)} for the jitter
   * @throws IllegalArgumentException if {@code attempt < 1} or {@code draw} is not in {@code [0,
   *     1)}
   */
  RetryDecision decide(
      int attempt,
      @Nullable R result,
      @Nullable Throwable failure,
      long elapsedNanos,
      long previousDelayNanos,
      double draw);

  /**
   * Runs {@code call} on the calling thread until the policy stops, waiting between attempts.
   *
   * <p>Waits: the thread sleeps interruptibly. On a {@link dev.closedloop.sync.time.ManualTicker}
   * it does not sleep: the wait advances the ticker (or the {@link
   * dev.closedloop.sync.time.VirtualScheduler} driving it, running the tasks that come due), so
   * tests on fake time never sleep.
   *
   * <p>Attempt timeout: when {@link #attemptTimeout()} is set, a task on the policy's scheduler
   * interrupts the calling thread once the attempt has run that long (clipped to the time left
   * before the deadline). The attempt is abandoned only as far as it honours interrupts: an
   * attempt that ignores them runs to its end, and its result or failure is then discarded and
   * replaced by {@link AttemptTimeoutException}. The interrupt the timeout caused is cleared.
   *
   * <p>Interruption: an interrupt during a wait, or an {@link InterruptedException} thrown by
   * the call, stops the call at once with {@link RetryAbortedException} (cause the
   * InterruptedException) and the thread's interrupt flag set.
   *
   * <p>Allocation: when the first attempt succeeds, this method allocates nothing of its own
   * (no execution state, no list, no random draw) unless an attempt timeout is set.
   *
   * @param call the attempt; a new call per attempt
   * @return the result of the first attempt the policy does not retry
   * @throws RetryExhaustedException if the attempts or the time ran out
   * @throws RetryAbortedException if a checked failure or a result stopped the call (see there)
   *     or the thread was interrupted
   * @throws RetryRejectedException if the budget or an open breaker refused
   * @throws RuntimeException the attempt's own unchecked failure, when an abort predicate matched
   *     it or it is not retryable
   * @throws Error the attempt's own error, which by default is not retryable
   * @throws NullPointerException if {@code call} is null
   */
  R execute(Callable<? extends R> call);

  /**
   * Like {@link #execute(Callable)}, for a call that reads its {@link AttemptContext}: its
   * attempt number and the time it has left.
   *
   * @throws RetryExhaustedException if the attempts or the time ran out
   * @throws RetryAbortedException if a checked failure or a result stopped the call
   * @throws RetryRejectedException if the budget or an open breaker refused
   * @throws NullPointerException if {@code call} is null
   */
  R execute(RetryCallable<? extends R> call);

  /**
   * Runs {@code call} like {@link #execute(Callable)} and returns how it ended instead of
   * throwing: never throws for a failure of the call. An interrupt ends the call with a {@link
   * RetryOutcome.Failed} ({@code ABORTED}, last failure the InterruptedException) and the flag
   * set.
   *
   * @throws NullPointerException if {@code call} is null
   */
  RetryOutcome<R> run(Callable<? extends R> call);

  /**
   * Runs {@code call} asynchronously: the first attempt starts on the calling thread, every wait
   * is a task on the policy's {@link #scheduler()} (no thread sleeps), and the returned future
   * completes with the result, or exceptionally with what {@link #execute(Callable)} would
   * throw.
   *
   * <p>A call that throws instead of returning a stage, or returns a stage that fails (a {@link
   * java.util.concurrent.CompletionException} is unwrapped), has failed that attempt. With an
   * {@link #attemptTimeout()}, a scheduled task fails the attempt with {@link
   * AttemptTimeoutException} and cancels its future.
   *
   * <p>Cancelling the returned future cancels the pending wait on the scheduler and the
   * in-flight attempt's future (when the stage is a {@link java.util.concurrent.Future}); no
   * further attempt starts, and no listener is called.
   *
   * @param call starts one attempt and returns its stage
   * @throws NullPointerException if {@code call} is null
   */
  CompletableFuture<R> executeAsync(Supplier<? extends CompletionStage<? extends R>> call);

  /**
   * Like {@link #executeAsync(Supplier)}, for a call that reads its {@link AttemptContext}.
   *
   * @throws NullPointerException if {@code call} is null
   */
  CompletableFuture<R> executeAsync(
      Function<? super AttemptContext, ? extends CompletionStage<? extends R>> call);

  /**
   * Like {@link #executeAsync(Function)}, with a listener of this call alone: {@code listener}
   * hears the call's events (a retry scheduled, the success or the failure) after the policy's
   * own listeners, on the same threads and under the same contract. An engine that needs each
   * call's events (a mutation moving its call's state) builds its policy once and passes the
   * call's listener here, instead of building a policy per call.
   *
   * @throws NullPointerException if an argument is null
   */
  CompletableFuture<R> executeAsync(
      Function<? super AttemptContext, ? extends CompletionStage<? extends R>> call,
      RetryListener<? super R> listener);

  /**
   * Runs {@code call} like {@link #executeAsync(Supplier)}; the future completes with the
   * outcome, never exceptionally for a failure of the call.
   *
   * @throws NullPointerException if {@code call} is null
   */
  CompletableFuture<RetryOutcome<R>> runAsync(Supplier<? extends CompletionStage<? extends R>> call);
}
