package dev.closedloop.sync.breaker;

import dev.closedloop.sync.SyncException;
import java.time.Duration;

/**
 * A circuit breaker refused a call because it is open (or forced open, or its half-open trials
 * are all taken). It names the breaker and how long until it would admit a trial, so a caller,
 * or a {@link dev.closedloop.sync.retry.RetryPolicy}, can wait exactly that long instead of
 * hammering it.
 *
 * <p>Created on the rejection hot path without a stack trace: the message says everything.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class CircuitOpenException extends SyncException {
  private static final long serialVersionUID = 1L;

  private final String breakerName;
  private final long untilTrialNanos;

  /**
   * Creates the exception.
   *
   * @param breakerName the name of the breaker that refused the call
   * @param untilTrialNanos nanoseconds until the breaker admits a trial call; {@code
   *     Long.MAX_VALUE} when it is forced open and only an operator can close it
   */
  public CircuitOpenException(String breakerName, long untilTrialNanos) {
    super(message(breakerName, untilTrialNanos), null, false);
    this.breakerName = breakerName;
    this.untilTrialNanos = Math.max(0, untilTrialNanos);
  }

  private static String message(String name, long nanos) {
    return nanos == Long.MAX_VALUE
        ? "circuit breaker '" + name + "' is forced open"
        : "circuit breaker '" + name + "' is open; a trial call is allowed in " + Duration.ofNanos(Math.max(0, nanos));
  }

  /** Returns the name of the breaker that refused the call. */
  public String breakerName() {
    return breakerName;
  }

  /**
   * Returns the nanoseconds until the breaker admits a trial call; 0 if it may already; {@code
   * Long.MAX_VALUE} if it is forced open.
   */
  public long untilTrialNanos() {
    return untilTrialNanos;
  }

  /** Returns the time until the breaker admits a trial call; see {@link #untilTrialNanos()}. */
  public Duration untilTrial() {
    return Duration.ofNanos(untilTrialNanos);
  }
}
