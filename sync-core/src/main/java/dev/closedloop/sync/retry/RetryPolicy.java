package dev.closedloop.sync.retry;

import dev.closedloop.sync.time.RandomSource;
import dev.closedloop.sync.time.Scheduler;
import dev.closedloop.sync.time.Ticker;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * When and how often to try a call again. A policy is an immutable value; its {@link #decide}
 * method is the single decision core that blocking, asynchronous and queued execution share.
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
   * <p>Order of checks: a successful result that no result predicate matches → {@code
   * SUCCEEDED}; an abort predicate → {@code ABORTED}; a failure no retry predicate matches →
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
   * @throws IllegalArgumentException if {@code attempt < 1}
   */
  RetryDecision decide(
      int attempt,
      @Nullable R result,
      @Nullable Throwable failure,
      long elapsedNanos,
      long previousDelayNanos,
      double draw);
}
