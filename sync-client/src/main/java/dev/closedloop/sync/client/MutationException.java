package dev.closedloop.sync.client;

import dev.closedloop.sync.SyncException;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SyncMutation} failed. Every message starts with the mutation's name ({@code mutation
 * 'book': ...}), and {@link #idempotencyKey()} tells which logical mutation it was, so a log line
 * is enough to find the request on the server.
 *
 * <p>Subclasses: {@link MutationHttpException} (the server answered with an error status), {@link
 * MutationNetworkException} (no answer), {@link MutationDecodeException} (a 2xx body that does not
 * decode: the server applied the mutation), {@link MutationEncodeException} (the variables cannot
 * be sent), {@link MutationDeadLetterException} (offline replay gave up) and {@link
 * MutationCancelledException} (the queued request was removed). This base class itself reports
 * configuration problems found at call time, such as an endpoint function that returned null.
 *
 * <p>This class is immutable once thrown and therefore threadsafe.
 */
public class MutationException extends SyncException {
  private static final long serialVersionUID = 1L;

  private final String mutationName;
  private final @Nullable String idempotencyKey;

  MutationException(String mutationName, @Nullable String idempotencyKey, String message, @Nullable Throwable cause) {
    super("mutation '" + mutationName + "'" + (idempotencyKey == null ? "" : " (key " + idempotencyKey + ")")
        + ": " + message, cause);
    this.mutationName = mutationName;
    this.idempotencyKey = idempotencyKey;
  }

  /** Returns the name of the mutation that failed. */
  public String mutationName() {
    return mutationName;
  }

  /** Returns the idempotency key of the failed call, or null if the failure came before one existed. */
  public @Nullable String idempotencyKey() {
    return idempotencyKey;
  }
}
