package dev.closedloop.sync.client;

/**
 * A mutation's request got no HTTP answer: the connection was refused, reset or closed before the
 * response, or the request timed out. The server may or may not have applied it; retrying with the
 * same idempotency key is safe, so the client retries and, when retries stop, queues it offline.
 * The cause is the {@link java.io.IOException} of {@code java.net.http}.
 *
 * <p>This class is immutable once thrown and therefore threadsafe.
 */
public final class MutationNetworkException extends MutationException {
  private static final long serialVersionUID = 1L;

  MutationNetworkException(String mutationName, String key, String method, String uri, Throwable cause) {
    super(mutationName, key, "no answer from " + method + " " + uri + ": " + cause, cause);
  }
}
