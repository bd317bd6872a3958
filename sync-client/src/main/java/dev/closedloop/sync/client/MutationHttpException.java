package dev.closedloop.sync.client;

import dev.closedloop.sync.retry.RetryAfterHint;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The server answered a mutation with a status other than 2xx. Carries the status, the RFC 9457
 * problem {@code type} and {@code detail} when the body was {@code application/problem+json},
 * the body itself (the first {@value #MAX_BODY_BYTES} bytes), the server's {@code Retry-After}
 * hint, and whether the client treats the status as worth retrying (see {@link SyncMutation}
 * for the table).
 *
 * <p>This class is immutable once thrown and therefore threadsafe.
 */
public final class MutationHttpException extends MutationException implements RetryAfterHint {
  private static final long serialVersionUID = 1L;

  /** The most body bytes kept. */
  public static final int MAX_BODY_BYTES = 16 * 1024;

  private final int status;
  private final @Nullable String problemType;
  private final @Nullable String problemDetail;
  private final byte[] body;
  private final @Nullable Duration retryAfter;
  private final boolean retryable;

  MutationHttpException(String mutationName, String key, String method, String uri, int status,
      @Nullable String problemType, @Nullable String problemDetail, byte[] body,
      @Nullable Duration retryAfter, boolean retryable) {
    super(mutationName, key, describe(method, uri, status, problemType, problemDetail, body, retryable), null);
    this.status = status;
    this.problemType = problemType;
    this.problemDetail = problemDetail;
    this.body = body.length > MAX_BODY_BYTES ? java.util.Arrays.copyOf(body, MAX_BODY_BYTES) : body.clone();
    this.retryAfter = retryAfter;
    this.retryable = retryable;
  }

  private static String describe(String method, String uri, int status, @Nullable String type,
      @Nullable String detail, byte[] body, boolean retryable) {
    StringBuilder b = new StringBuilder();
    b.append("HTTP ").append(status).append(" from ").append(method).append(' ').append(uri);
    if (type != null) {
      b.append(", problem ").append(type);
    }
    if (detail != null) {
      b.append(": ").append(detail);
    } else if (body.length > 0) {
      b.append(": ").append(excerpt(body));
    }
    b.append(retryable ? " (retryable)" : " (not retryable)");
    return b.toString();
  }

  static String excerpt(byte[] body) {
    String s = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).replaceAll("\\s+", " ");
    return body.length > 200 ? s + "..." : s;
  }

  /** Returns the HTTP status. */
  public int status() {
    return status;
  }

  /** Returns the problem {@code type} URI of an {@code application/problem+json} body, or null. */
  public @Nullable String problemType() {
    return problemType;
  }

  /** Returns the problem {@code detail} of an {@code application/problem+json} body, or null. */
  public @Nullable String problemDetail() {
    return problemDetail;
  }

  /** Returns a copy of the response body (at most {@value #MAX_BODY_BYTES} bytes). */
  public byte[] body() {
    return body.clone();
  }

  /** Returns the body as UTF-8 text (at most {@value #MAX_BODY_BYTES} bytes of it). */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** Returns true if the client retries this status (and queues it offline when retries stop). */
  public boolean isRetryable() {
    return retryable;
  }

  /** Returns the server's {@code Retry-After}, if it sent a valid one. */
  @Override
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
