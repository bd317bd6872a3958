package dev.closedloop.sync.retry;

import dev.closedloop.sync.SyncException;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A guard refused a retried call: the shared {@link RetryBudget} had too few tokens for the
 * next retry ({@link RetryOutcome.RejectionCause#BUDGET}), or an open circuit breaker would not
 * admit a trial before the deadline ({@link RetryOutcome.RejectionCause#CIRCUIT_OPEN}).
 *
 * <p>Its {@linkplain #getCause() cause} is the last attempt's failure for a budget refusal, and
 * the breaker's {@link dev.closedloop.sync.breaker.CircuitOpenException} for a breaker refusal;
 * the attempts' other failures are {@linkplain #getSuppressed() suppressed}, oldest first.
 *
 * <p>This class is immutable once thrown and therefore threadsafe.
 */
public final class RetryRejectedException extends SyncException {
  private static final long serialVersionUID = 1L;

  private final RetryOutcome.RejectionCause rejection;
  private final int attempts;
  private final transient @Nullable Object lastResult;

  /**
   * Creates the exception.
   *
   * @param rejection which guard refused
   * @param attempts how many attempts ran before the refusal (0 if the first was refused)
   * @param lastResult the last attempt's result, if it returned one the policy retries
   * @param cause the last attempt's failure (budget) or the breaker's exception (breaker)
   * @param earlierFailures the attempts' other failures, added as suppressed, oldest first
   * @throws NullPointerException if {@code rejection} or {@code earlierFailures} is null
   */
  public RetryRejectedException(
      RetryOutcome.RejectionCause rejection,
      int attempts,
      @Nullable Object lastResult,
      @Nullable Throwable cause,
      List<Throwable> earlierFailures) {
    super(message(rejection, attempts, cause), cause);
    this.rejection = rejection;
    this.attempts = attempts;
    this.lastResult = lastResult;
    for (Throwable t : earlierFailures) {
      if (t != this && t != cause) {
        addSuppressed(t);
      }
    }
  }

  private static String message(RetryOutcome.RejectionCause rejection, int attempts, @Nullable Throwable cause) {
    Objects.requireNonNull(rejection, "rejection cannot be null");
    String who = rejection == RetryOutcome.RejectionCause.BUDGET
        ? "the retry budget is exhausted"
        : "the circuit breaker would not admit a call in time";
    return "retry rejected after " + attempts + (attempts == 1 ? " attempt: " : " attempts: ") + who
        + (cause != null ? "; last failure: " + cause : "");
  }

  /** Returns which guard refused the call. */
  public RetryOutcome.RejectionCause rejection() {
    return rejection;
  }

  /** Returns how many attempts ran before the refusal. */
  public int attempts() {
    return attempts;
  }

  /** Returns the last attempt's result if it returned one the policy retries, else null. */
  public @Nullable Object lastResult() {
    return lastResult;
  }
}
