package dev.closedloop.sync.realtime;

import dev.closedloop.sync.SyncException;
import org.jspecify.annotations.Nullable;

/**
 * A {@link RealtimeBus} backed by a server (Redis, PostgreSQL) could not reach it, or the server
 * refused a command or held data this version cannot read. A {@code publish} that throws this
 * may or may not have been recorded; a subscriber's delivery is not affected by it (a bus that
 * loses its server ends subscriptions with {@link CloseReason#FAILED} only when it cannot
 * resume them without a gap).
 *
 * <p>The message names the operation, the topic and the cause.
 *
 * <p>This class is immutable and threadsafe.
 */
public class RealtimeBusUnavailableException extends SyncException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, on which topic
   * @param cause the client library's exception, if any
   */
  public RealtimeBusUnavailableException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
