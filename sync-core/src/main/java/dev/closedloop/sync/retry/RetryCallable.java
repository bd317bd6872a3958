package dev.closedloop.sync.retry;

/**
 * A blocking call that reads its {@link AttemptContext}: the attempt number and the time it has
 * left. Pass it to {@link RetryPolicy#execute(RetryCallable)}.
 *
 * <p>It is called once per attempt, never concurrently within one call; it must be threadsafe only if several calls share it.
 *
 * @param <R> the type of the call's result
 */
@FunctionalInterface
public interface RetryCallable<R> {

  /**
   * Runs one attempt.
   *
   * @param context this attempt's number and remaining time
   * @throws Exception if the attempt failed; the policy decides whether to try again
   */
  R call(AttemptContext context) throws Exception;
}
