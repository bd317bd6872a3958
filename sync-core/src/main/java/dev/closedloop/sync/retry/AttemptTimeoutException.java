package dev.closedloop.sync.retry;

import dev.closedloop.sync.SyncException;
import java.time.Duration;

/**
 * An attempt ran longer than the policy's {@linkplain RetryPolicy#attemptTimeout() attempt
 * timeout} (or than the time left before the deadline) and was abandoned.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class AttemptTimeoutException extends SyncException {
  private static final long serialVersionUID = 1L;

  private final int attempt;
  private final Duration timeout;

  /** Creates an exception for attempt {@code attempt} that ran out after {@code timeout}. */
  public AttemptTimeoutException(int attempt, Duration timeout) {
    super("attempt " + attempt + " timed out after " + timeout);
    this.attempt = attempt;
    this.timeout = timeout;
  }

  /** Returns the attempt that timed out, 1-based. */
  public int attempt() {
    return attempt;
  }

  /** Returns the limit the attempt ran into. */
  public Duration timeout() {
    return timeout;
  }
}
