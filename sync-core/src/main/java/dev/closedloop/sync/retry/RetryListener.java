package dev.closedloop.sync.retry;

import org.jspecify.annotations.Nullable;

/**
 * Hears what a retried call does. Every method has a no-op default, so new events can be added
 * without breaking implementations.
 *
 * <p>Contract: listeners are called on the thread that runs the call (or completes its future),
 * in the order they were added. They must be fast, must not throw and must not call back into
 * the policy. A listener that throws anyway is logged and skipped; the call and the other
 * listeners go on.
 *
 * <p>Not events: a wait for an open circuit breaker to admit a trial (it is not a retry, see
 * {@link RetryPolicy}), and anything after the future of an asynchronous call was cancelled.
 *
 * <p>Implementations must be threadsafe: one policy's listeners hear every call made through it, concurrently.
 *
 * @param <R> the type of the calls' results
 */
public interface RetryListener<R> {

  /** A listener that does nothing. */
  @SuppressWarnings("rawtypes")
  RetryListener NONE = new RetryListener() {};

  /**
   * An attempt failed (or returned a result to retry) and another is scheduled.
   *
   * @param attempt the attempt that just ended, 1-based
   * @param result its result, null if it failed
   * @param failure its failure, null if it returned a result to retry
   * @param decision the decision, with the delay and whether a server hint set it
   */
  default void onRetryScheduled(
      int attempt, @Nullable R result, @Nullable Throwable failure, RetryDecision decision) {}

  /**
   * The call succeeded.
   *
   * @param attempts how many attempts ran, the successful one included
   * @param result the result
   */
  default void onSuccess(int attempts, @Nullable R result) {}

  /**
   * The call ended without success: its attempts or time ran out, an abort predicate matched,
   * the failure was not retryable, or a budget or breaker rejected it.
   *
   * @param outcome the outcome, never a {@link RetryOutcome.Success}
   */
  default void onFailure(RetryOutcome<R> outcome) {}
}
