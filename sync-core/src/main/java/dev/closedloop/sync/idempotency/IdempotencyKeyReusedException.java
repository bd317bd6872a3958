package dev.closedloop.sync.idempotency;

import dev.closedloop.sync.SyncException;
import java.util.Objects;

/**
 * {@link Idempotency#execute} found the key live with another fingerprint: the caller reused a
 * key for different work (the HTTP filter answers 422). Nothing ran. A key must name one piece of
 * work; use a new key for new work.
 *
 * <p>Created without a stack trace: the message says everything.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class IdempotencyKeyReusedException extends SyncException {
  private static final long serialVersionUID = 1L;

  private final transient IdempotencyKey key;

  /**
   * Creates the exception.
   *
   * @throws NullPointerException if {@code key} is null
   */
  public IdempotencyKeyReusedException(IdempotencyKey key) {
    super("idempotency key " + Objects.requireNonNull(key, "key cannot be null").redacted()
        + " was used for different work (another fingerprint);"
        + " use a new key for new work", null, false);
    this.key = Objects.requireNonNull(key, "key cannot be null");
  }

  /** Returns the key. */
  public IdempotencyKey key() {
    return key;
  }
}
