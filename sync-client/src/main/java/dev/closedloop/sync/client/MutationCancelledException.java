package dev.closedloop.sync.client;

/**
 * A queued mutation will never be sent: its request was removed from the offline queue ({@link
 * OfflineSync#clear()}).
 *
 * <p>This class is immutable once thrown and therefore threadsafe.
 */
public final class MutationCancelledException extends MutationException {
  private static final long serialVersionUID = 1L;

  MutationCancelledException(String mutationName, String key, String why) {
    super(mutationName, key, why, null);
  }
}
