package dev.closedloop.sync.servlet;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The problems the idempotency filter answers with, written as {@code application/problem+json}
 * (RFC 9457). The {@code type} URIs are stable: clients may branch on them. Not part of the API;
 * the URIs are published as constants on {@link IdempotencyFilter}.
 *
 * <p>This class is immutable and threadsafe.
 */
enum IdempotencyProblem {
  KEY_MISSING(400, IdempotencyFilter.PROBLEM_KEY_MISSING, "Idempotency key required"),
  KEY_INVALID(400, IdempotencyFilter.PROBLEM_KEY_INVALID, "Invalid idempotency key"),
  BODY_TOO_LARGE(413, IdempotencyFilter.PROBLEM_BODY_TOO_LARGE, "Request body too large for an idempotent request"),
  KEY_IN_USE(409, IdempotencyFilter.PROBLEM_KEY_IN_USE, "A request with this idempotency key is in progress"),
  NOT_REPLAYABLE(409, IdempotencyFilter.PROBLEM_NOT_REPLAYABLE, "Request already completed; its response cannot be replayed"),
  KEY_REUSED(422, IdempotencyFilter.PROBLEM_KEY_REUSED, "Idempotency key reused for a different request"),
  BODY_UNAVAILABLE(500, IdempotencyFilter.PROBLEM_BODY_UNAVAILABLE, "Request body consumed before the idempotency filter"),
  STORE_UNAVAILABLE(503, IdempotencyFilter.PROBLEM_STORE_UNAVAILABLE, "Idempotency store unavailable");

  static final String CONTENT_TYPE = "application/problem+json";

  final int status;
  final String type;
  final String title;

  IdempotencyProblem(int status, String type, String title) {
    this.status = status;
    this.type = type;
    this.title = title;
  }

  /**
   * Writes this problem as the whole response.
   *
   * @param retryAfter the {@code Retry-After} to send, rounded up to whole seconds; null for none
   */
  void write(HttpServletResponse response, String detail, @Nullable Duration retryAfter) throws IOException {
    byte[] body = json(detail);
    response.setStatus(status);
    response.setContentType(CONTENT_TYPE);
    if (retryAfter != null) {
      response.setHeader("Retry-After", Long.toString(retryAfterSeconds(retryAfter)));
    }
    response.setContentLength(body.length);
    OutputStream out = response.getOutputStream();
    out.write(body);
    out.flush();
  }

  static long retryAfterSeconds(Duration d) {
    long s = d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
    return Math.max(1, s);
  }

  byte[] json(String detail) {
    StringBuilder b = new StringBuilder(160 + detail.length());
    b.append("{\"type\":");
    JsonText.quote(b, type);
    b.append(",\"title\":");
    JsonText.quote(b, title);
    b.append(",\"status\":").append(status).append(",\"detail\":");
    JsonText.quote(b, detail);
    b.append('}');
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }
}
