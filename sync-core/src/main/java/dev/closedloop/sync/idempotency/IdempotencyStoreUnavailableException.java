package dev.closedloop.sync.idempotency;

import dev.closedloop.sync.SyncException;
import org.jspecify.annotations.Nullable;

/**
 * An {@link IdempotencyStore} could not reach its storage: the server did not answer in time,
 * dropped the connection, or refused a command. The operation may or may not have reached the
 * storage; stores are written so that this is harmless (a claim that landed unheard is freed by
 * its lease, a completion is owner-checked). A caller must run nothing when {@code claim} throws
 * this; an HTTP front end answers 503.
 *
 * <p>Each remote store throws its own subclass (Redis, JDBC) with its context; catch this type to
 * handle every store alike.
 *
 * <p>This class is immutable and threadsafe.
 */
public class IdempotencyStoreUnavailableException extends SyncException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, on which key or table
   * @param cause the client library's exception, if any
   */
  public IdempotencyStoreUnavailableException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
