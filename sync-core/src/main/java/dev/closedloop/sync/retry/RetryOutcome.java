package dev.closedloop.sync.retry;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a retried call ended, made explicit: {@link Success}, {@link Failed} (attempts or time ran
 * out, an abort predicate matched, or the failure was not retryable) or {@link Rejected} (a retry
 * budget or an open circuit breaker refused it). A call never "returns the last bad result"
 * silently: a result the policy retried and that was still bad at the end is a {@link Failed}.
 *
 * <p>Instances are immutable and threadsafe (their result and failures are whatever the call
 * produced).
 *
 * @param <R> the type of the call's result
 */
public sealed interface RetryOutcome<R>
    permits RetryOutcome.Success, RetryOutcome.Failed, RetryOutcome.Rejected {

  /** Returns how many attempts ran. */
  int attempts();

  /** Returns the total time spent waiting between attempts. */
  Duration totalDelay();

  /** Returns true for a {@link Success}. */
  default boolean isSuccess() {
    return this instanceof Success;
  }

  /**
   * The call succeeded.
   *
   * @param result the successful attempt's result
   * @param attempts how many attempts ran, the successful one included
   * @param totalDelay the time spent waiting between attempts
   */
  record Success<R>(@Nullable R result, int attempts, Duration totalDelay) implements RetryOutcome<R> {
    public Success {
      Objects.requireNonNull(totalDelay, "totalDelay cannot be null");
    }
  }

  /**
   * The call stopped without success.
   *
   * @param reason why: {@code ATTEMPTS_EXHAUSTED}, {@code DEADLINE_REACHED}, {@code
   *     HINT_BEYOND_DEADLINE}, {@code ABORTED} or {@code NOT_RETRYABLE}
   * @param attempts how many attempts ran
   * @param lastResult the last attempt's result, null if it failed
   * @param lastFailure the last attempt's failure, null if it returned a result
   * @param earlierFailures the failures of the attempts before the last, oldest first (an
   *     execution keeps the 16 most recent)
   * @param totalDelay the time spent waiting between attempts
   */
  record Failed<R>(
      RetryDecision.Reason reason,
      int attempts,
      @Nullable R lastResult,
      @Nullable Throwable lastFailure,
      List<Throwable> earlierFailures,
      Duration totalDelay)
      implements RetryOutcome<R> {
    public Failed {
      Objects.requireNonNull(reason, "reason cannot be null");
      if (reason == RetryDecision.Reason.RETRY || reason == RetryDecision.Reason.SUCCEEDED) {
        throw new IllegalArgumentException("not a failure reason: " + reason);
      }
      earlierFailures = List.copyOf(earlierFailures);
      Objects.requireNonNull(totalDelay, "totalDelay cannot be null");
    }
  }

  /**
   * A retry budget or an open circuit breaker refused the call (or its next retry).
   *
   * @param cause which guard refused
   * @param attempts how many attempts ran before the refusal (0 if the first was refused)
   * @param lastResult the last attempt's result, if one ran and returned
   * @param lastFailure for {@code BUDGET}, the failure of the attempt whose retry was refused
   *     (null if it returned a result to retry); for {@code CIRCUIT_OPEN}, the breaker's {@code
   *     CircuitOpenException}
   * @param totalDelay the time spent waiting between attempts
   */
  record Rejected<R>(
      RejectionCause cause,
      int attempts,
      @Nullable R lastResult,
      @Nullable Throwable lastFailure,
      Duration totalDelay)
      implements RetryOutcome<R> {
    public Rejected {
      Objects.requireNonNull(cause, "cause cannot be null");
      Objects.requireNonNull(totalDelay, "totalDelay cannot be null");
    }
  }

  /** What refused a call. */
  enum RejectionCause {
    /** The shared {@link RetryBudget} had too few tokens left for a retry. */
    BUDGET,
    /** The circuit breaker was open and would not admit a trial before the deadline. */
    CIRCUIT_OPEN
  }
}
