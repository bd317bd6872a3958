package dev.closedloop.sync.idempotency;

import dev.closedloop.sync.SyncException;
import java.time.Duration;
import java.util.Objects;

/**
 * {@link Idempotency#execute} found the key in progress: another caller (here or on another
 * node) runs the work under it now, and it did not finish within the in-progress wait. Nothing
 * ran for this call. Try again after {@link #retryAfter()}: the repeat then gets the stored
 * result. A message consumer typically lets its broker redeliver the message later.
 *
 * <p>Created without a stack trace: the message says everything.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class IdempotencyInProgressException extends SyncException {
  private static final long serialVersionUID = 1L;

  private final transient IdempotencyKey key;
  private final Duration retryAfter;

  /**
   * Creates the exception.
   *
   * @throws NullPointerException if an argument is null
   */
  public IdempotencyInProgressException(IdempotencyKey key, Duration retryAfter) {
    super("idempotency key " + Objects.requireNonNull(key, "key cannot be null").redacted()
        + " is in progress elsewhere; retry after " + retryAfter, null, false);
    this.key = Objects.requireNonNull(key, "key cannot be null");
    this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter cannot be null");
  }

  /** Returns the key. */
  public IdempotencyKey key() {
    return key;
  }

  /** Returns when asking again may give another answer: the rest of the owner's lease. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
