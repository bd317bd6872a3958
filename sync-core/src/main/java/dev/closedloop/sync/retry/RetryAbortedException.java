package dev.closedloop.sync.retry;

import dev.closedloop.sync.SyncException;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A retried call stopped early, without running out of attempts, in a way the blocking and
 * asynchronous {@code execute} methods cannot report by rethrowing the attempt's own failure:
 *
 * <ul>
 *   <li>the failure that stopped it (an abort predicate matched, it was not retryable, or the
 *       thread was interrupted) is a <em>checked</em> exception: it is this exception's {@linkplain
 *       #getCause() cause}. Unchecked failures are rethrown as they are, never wrapped;
 *   <li>an {@linkplain RetryPolicyBuilder#abortOnResult abort predicate} matched a
 *       <em>result</em>: the cause is null and {@link #lastResult()} holds the result.
 * </ul>
 *
 * <p>The earlier attempts' failures are attached as {@linkplain #getSuppressed() suppressed}
 * exceptions, oldest first. An interrupted blocking call throws this exception with an {@link
 * InterruptedException} cause and the thread's interrupt flag set.
 *
 * <p>This class is immutable once thrown and therefore threadsafe.
 */
public final class RetryAbortedException extends SyncException {
  private static final long serialVersionUID = 1L;

  private final RetryDecision.Reason reason;
  private final int attempts;
  private final transient @Nullable Object lastResult;

  /**
   * Creates the exception.
   *
   * @param reason {@code ABORTED} or {@code NOT_RETRYABLE}
   * @param attempts how many attempts ran
   * @param lastResult the result an abort predicate matched, null if a failure stopped the call
   * @param failure the checked failure that stopped the call, the cause; null for a result
   * @param earlierFailures the earlier attempts' failures, added as suppressed, oldest first
   * @throws NullPointerException if {@code reason} or {@code earlierFailures} is null
   * @throws IllegalArgumentException if {@code reason} is neither {@code ABORTED} nor {@code
   *     NOT_RETRYABLE}
   */
  public RetryAbortedException(
      RetryDecision.Reason reason,
      int attempts,
      @Nullable Object lastResult,
      @Nullable Throwable failure,
      List<Throwable> earlierFailures) {
    super(message(reason, attempts, lastResult, failure), failure);
    if (reason != RetryDecision.Reason.ABORTED && reason != RetryDecision.Reason.NOT_RETRYABLE) {
      throw new IllegalArgumentException("not an abort reason: " + reason);
    }
    this.reason = reason;
    this.attempts = attempts;
    this.lastResult = lastResult;
    for (Throwable t : earlierFailures) {
      if (t != this && t != failure) {
        addSuppressed(t);
      }
    }
  }

  private static String message(
      RetryDecision.Reason reason, int attempts, @Nullable Object lastResult, @Nullable Throwable failure) {
    Objects.requireNonNull(reason, "reason cannot be null");
    String after = " after " + attempts + (attempts == 1 ? " attempt" : " attempts");
    if (failure instanceof InterruptedException) {
      return "retry interrupted" + after;
    }
    return (reason == RetryDecision.Reason.ABORTED ? "retry aborted" : "failure not retryable") + after
        + ": " + (failure != null ? failure : "result " + lastResult);
  }

  /** Returns {@code ABORTED} or {@code NOT_RETRYABLE}. */
  public RetryDecision.Reason reason() {
    return reason;
  }

  /** Returns how many attempts ran. */
  public int attempts() {
    return attempts;
  }

  /** Returns the result an abort predicate matched, or null if a failure stopped the call. */
  public @Nullable Object lastResult() {
    return lastResult;
  }
}
