package dev.closedloop.sync.queue;

import dev.closedloop.sync.SyncException;
import org.jspecify.annotations.Nullable;

/**
 * Thrown by a {@link DrainHandler} when an item can never succeed (the server rejected it for
 * good): the item becomes a dead letter at once, whatever the retry policy says, with this
 * exception's message as the reason. Passing it to {@link OfflineQueue#nack} has the same effect.
 *
 * <p>This class is immutable and threadsafe.
 */
public class PermanentFailureException extends SyncException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with the reason the item failed for good. */
  public PermanentFailureException(String reason) {
    super(reason);
  }

  /** Creates the exception with the reason the item failed for good and its cause. */
  public PermanentFailureException(String reason, @Nullable Throwable cause) {
    super(reason, cause);
  }
}
