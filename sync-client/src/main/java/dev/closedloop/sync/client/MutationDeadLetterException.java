package dev.closedloop.sync.client;

import org.jspecify.annotations.Nullable;

/**
 * A queued mutation was dead-lettered by {@link OfflineSync}: the server rejected its replay for
 * good (a 4xx answer, the {@link MutationHttpException} being the cause), or the offline queue's
 * retry policy gave up. The request stays in the queue's dead letters.
 *
 * <p>This class is immutable once thrown and therefore threadsafe.
 */
public final class MutationDeadLetterException extends MutationException {
  private static final long serialVersionUID = 1L;

  private final String reason;

  MutationDeadLetterException(String mutationName, String key, String reason, @Nullable Throwable cause) {
    super(mutationName, key, "dead-lettered by offline replay: " + reason, cause);
    this.reason = reason;
  }

  /** Returns why the request was dead-lettered, as recorded in the queue. */
  public String reason() {
    return reason;
  }
}
