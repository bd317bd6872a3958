package dev.closedloop.sync.client;

import dev.closedloop.sync.breaker.CircuitOpenException;
import dev.closedloop.sync.retry.AttemptTimeoutException;
import dev.closedloop.sync.retry.RetryExhaustedException;
import dev.closedloop.sync.retry.RetryRejectedException;
import org.jspecify.annotations.Nullable;

/**
 * What the client retries, in one place (the table in {@link SyncMutation}'s Javadoc).
 */
final class Classifier {
  private Classifier() {}

  /**
   * Returns true if a response with this status is worth another attempt with the same key.
   *
   * @param problemType the RFC 9457 {@code type} of the body, or null
   * @param hasRetryAfter whether the response carries a {@code Retry-After}
   */
  static boolean isRetryableStatus(int status, @Nullable String problemType, boolean hasRetryAfter) {
    switch (status) {
      case 408: // request timeout
      case 425: // too early
      case 429: // too many requests
      case 500:
      case 502:
      case 503:
      case 504:
        return true;
      case 409: // only "a request with this key is in progress"
        return problemType == null ? hasRetryAfter : Http.PROBLEM_KEY_IN_USE.equals(problemType);
      default:
        return false;
    }
  }

  /** Returns true if an attempt that failed with {@code failure} is worth another attempt. */
  static boolean isRetryable(Throwable failure) {
    if (failure instanceof MutationHttpException) {
      return ((MutationHttpException) failure).isRetryable();
    }
    return failure instanceof MutationNetworkException
        || failure instanceof AttemptTimeoutException
        || failure instanceof CircuitOpenException;
  }

  /**
   * Returns true if the final failure of a call is transient: retrying later could still succeed,
   * so with an offline queue the request is queued instead of failing.
   */
  static boolean isTransient(Throwable failure) {
    return failure instanceof RetryExhaustedException
        || failure instanceof RetryRejectedException
        || isRetryable(failure);
  }

  /** Returns true if a failure tells the breaker the downstream is unwell. */
  static boolean isDownstreamFailure(Throwable failure) {
    if (failure instanceof MutationHttpException) {
      int s = ((MutationHttpException) failure).status();
      return (s >= 500 && s != 501) || s == 408 || s == 429;
    }
    return failure instanceof MutationNetworkException
        || failure instanceof java.util.concurrent.CancellationException;
  }
}
