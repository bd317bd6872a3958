package dev.closedloop.sync.client;

/**
 * The server answered a mutation with 2xx, so it <em>applied</em> it, but the body did not decode
 * into the response type. The mutation is not retried (a retry would only replay the same body);
 * the cause is Jackson's exception and {@link #bodyText()} shows what came back.
 *
 * <p>This class is immutable once thrown and therefore threadsafe.
 */
public final class MutationDecodeException extends MutationException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String bodyText;

  MutationDecodeException(String mutationName, String key, int status, String responseType, byte[] body, Throwable cause) {
    super(mutationName, key, "the server applied the mutation (HTTP " + status + ") but its response does not decode as "
        + responseType + "; not retried: " + cause.getMessage() + "; body: " + MutationHttpException.excerpt(body), cause);
    this.status = status;
    this.bodyText = new String(body, 0, Math.min(body.length, MutationHttpException.MAX_BODY_BYTES),
        java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Returns the 2xx status the server answered with. */
  public int status() {
    return status;
  }

  /** Returns the body as UTF-8 text (at most {@value MutationHttpException#MAX_BODY_BYTES} bytes). */
  public String bodyText() {
    return bodyText;
  }
}
