package dev.closedloop.sync.retry;

import dev.closedloop.sync.SyncException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A retried call ran out of attempts or time without succeeding. Its {@linkplain #getCause()
 * cause} is the last attempt's failure (null if the last attempt returned a result the policy
 * retries, see {@link #lastResult()}); the earlier attempts' failures are attached as
 * {@linkplain #getSuppressed() suppressed} exceptions, oldest first (at most the {@value
 * RetryExecution#MAX_EARLIER_FAILURES} most recent ones).
 *
 * <p>Thrown by {@link RetryPolicy#execute(java.util.concurrent.Callable)} and the futures of
 * {@link RetryPolicy#executeAsync(java.util.function.Supplier)} when the outcome is a {@link
 * RetryOutcome.Failed} whose reason {@linkplain RetryDecision.Reason#isExhaustion() is an
 * exhaustion}.
 *
 * <p>This class is immutable once thrown and therefore threadsafe (its last result is whatever
 * the call returned).
 */
public final class RetryExhaustedException extends SyncException {
  private static final long serialVersionUID = 1L;

  private final int attempts;
  private final RetryDecision.Reason reason;
  private final transient @Nullable Object lastResult;
  private final Duration totalDelay;

  /**
   * Creates the exception.
   *
   * @param reason {@code ATTEMPTS_EXHAUSTED}, {@code DEADLINE_REACHED} or {@code
   *     HINT_BEYOND_DEADLINE}
   * @param attempts how many attempts ran
   * @param lastResult the last attempt's result, null if it failed
   * @param lastFailure the last attempt's failure, the cause; null if it returned a result
   * @param earlierFailures the earlier attempts' failures, added as suppressed, oldest first
   * @param totalDelay the time spent waiting between attempts
   * @throws NullPointerException if {@code reason}, {@code earlierFailures} or {@code totalDelay}
   *     is null
   * @throws IllegalArgumentException if {@code reason} is not an exhaustion
   */
  public RetryExhaustedException(
      RetryDecision.Reason reason,
      int attempts,
      @Nullable Object lastResult,
      @Nullable Throwable lastFailure,
      List<Throwable> earlierFailures,
      Duration totalDelay) {
    super(message(reason, attempts, lastResult, lastFailure, totalDelay), lastFailure);
    if (!reason.isExhaustion()) {
      throw new IllegalArgumentException("not an exhaustion reason: " + reason);
    }
    this.reason = reason;
    this.attempts = attempts;
    this.lastResult = lastResult;
    this.totalDelay = Objects.requireNonNull(totalDelay, "totalDelay cannot be null");
    for (Throwable t : earlierFailures) {
      if (t != this && t != lastFailure) {
        addSuppressed(t);
      }
    }
  }

  private static String message(
      RetryDecision.Reason reason,
      int attempts,
      @Nullable Object lastResult,
      @Nullable Throwable lastFailure,
      Duration totalDelay) {
    Objects.requireNonNull(reason, "reason cannot be null");
    String what;
    switch (reason) {
      case DEADLINE_REACHED:
        what = "the deadline left no time for another attempt";
        break;
      case HINT_BEYOND_DEADLINE:
        what = "the server asked to wait past the deadline";
        break;
      default:
        what = "no attempts left";
    }
    return "retry exhausted after " + attempts + (attempts == 1 ? " attempt" : " attempts")
        + " and " + totalDelay + " of waits: " + what + "; last "
        + (lastFailure != null ? "failure: " + lastFailure : "result: " + lastResult);
  }

  /** Returns how many attempts ran. */
  public int attempts() {
    return attempts;
  }

  /** Returns why the call stopped: an {@linkplain RetryDecision.Reason#isExhaustion() exhaustion}. */
  public RetryDecision.Reason reason() {
    return reason;
  }

  /**
   * Returns the last attempt's result when it returned one the policy retries (for example an
   * HTTP 503 response), or null if it failed. Not serialized.
   */
  public @Nullable Object lastResult() {
    return lastResult;
  }

  /** Returns the time spent waiting between attempts. */
  public Duration totalDelay() {
    return totalDelay;
  }
}
