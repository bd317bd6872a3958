package dev.closedloop.sync.client;

/**
 * A mutation's variables could not be turned into a request body (Jackson could not serialize
 * them). Thrown by {@link SyncMutation#mutate} before anything is sent or queued; the cause is
 * Jackson's exception.
 *
 * <p>This class is immutable once thrown and therefore threadsafe.
 */
public final class MutationEncodeException extends MutationException {
  private static final long serialVersionUID = 1L;

  MutationEncodeException(String mutationName, String bodyType, Throwable cause) {
    super(mutationName, null, "cannot serialize the request body (" + bodyType + ") to JSON: " + cause.getMessage(), cause);
  }
}
