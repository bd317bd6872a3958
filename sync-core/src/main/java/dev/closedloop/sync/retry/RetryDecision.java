package dev.closedloop.sync.retry;

import java.time.Duration;

/**
 * What a {@link RetryPolicy} decided after an attempt ended: retry after a delay, or stop and
 * why. Decisions are values; {@link RetryPolicy#decide} computes them as a pure function of the
 * attempt, so blocking, asynchronous and queued execution all take the same decisions.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class RetryDecision {

  /** Why a decision was taken. */
  public enum Reason {
    /** The attempt failed or returned a result to retry, and another attempt fits. */
    RETRY(true),
    /** The attempt succeeded: its result is not one to retry. */
    SUCCEEDED(false),
    /** An abort predicate matched the failure or result: never retried. */
    ABORTED(false),
    /** The failure is not one the policy retries. */
    NOT_RETRYABLE(false),
    /** The attempt was the last one allowed. */
    ATTEMPTS_EXHAUSTED(false),
    /** The backoff would end at or after the deadline: no attempt could finish in time. */
    DEADLINE_REACHED(false),
    /** The server asked to wait past the deadline. */
    HINT_BEYOND_DEADLINE(false);

    private final boolean retry;

    Reason(boolean retry) {
      this.retry = retry;
    }

    /** Returns true for {@link #RETRY} only. */
    public boolean isRetry() {
      return retry;
    }

    /** Returns true if the policy ran out of attempts or time (not an abort or a success). */
    public boolean isExhaustion() {
      return this == ATTEMPTS_EXHAUSTED || this == DEADLINE_REACHED || this == HINT_BEYOND_DEADLINE;
    }
  }

  private static final RetryDecision SUCCEEDED = new RetryDecision(Reason.SUCCEEDED, 0, -1);
  private static final RetryDecision ABORTED = new RetryDecision(Reason.ABORTED, 0, -1);
  private static final RetryDecision NOT_RETRYABLE = new RetryDecision(Reason.NOT_RETRYABLE, 0, -1);

  private final Reason reason;
  private final long delayNanos;
  private final long hintNanos;

  private RetryDecision(Reason reason, long delayNanos, long hintNanos) {
    this.reason = reason;
    this.delayNanos = delayNanos;
    this.hintNanos = hintNanos;
  }

  static RetryDecision retry(long delayNanos, long hintNanos) {
    return new RetryDecision(Reason.RETRY, delayNanos, hintNanos);
  }

  static RetryDecision stop(Reason reason, long hintNanos) {
    switch (reason) {
      case SUCCEEDED:
        return SUCCEEDED;
      case ABORTED:
        return hintNanos < 0 ? ABORTED : new RetryDecision(reason, 0, hintNanos);
      case NOT_RETRYABLE:
        return hintNanos < 0 ? NOT_RETRYABLE : new RetryDecision(reason, 0, hintNanos);
      case RETRY:
        throw new IllegalArgumentException("use retry(delay, hint)");
      default:
        return new RetryDecision(reason, 0, hintNanos);
    }
  }

  /** Returns true if another attempt should run after {@link #delayNanos()}. */
  public boolean shouldRetry() {
    return reason == Reason.RETRY;
  }

  /** Returns why this decision was taken. */
  public Reason reason() {
    return reason;
  }

  /** Returns the delay before the next attempt in nanoseconds; 0 when not retrying. */
  public long delayNanos() {
    return delayNanos;
  }

  /** Returns the delay before the next attempt; {@link Duration#ZERO} when not retrying. */
  public Duration delay() {
    return Duration.ofNanos(delayNanos);
  }

  /** Returns true if a server hint was present and set the delay (it exceeded the backoff). */
  public boolean hintUsed() {
    return reason == Reason.RETRY && hintNanos >= 0 && hintNanos == delayNanos;
  }

  /** Returns the server's hint in nanoseconds, or -1 if the attempt carried none. */
  public long hintNanos() {
    return hintNanos;
  }

  @Override
  public String toString() {
    return reason == Reason.RETRY
        ? "RetryDecision[retry after " + Duration.ofNanos(delayNanos) + (hintUsed() ? " (server hint)" : "") + "]"
        : "RetryDecision[stop: " + reason + "]";
  }
}
