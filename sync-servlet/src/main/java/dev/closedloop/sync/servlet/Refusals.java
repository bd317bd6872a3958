package dev.closedloop.sync.servlet;

import dev.closedloop.sync.idempotency.IdempotencyStoreFullException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The problem answers the filter writes instead of running the application: refusals before a
 * claim (no or an invalid key, a body too large or consumed before the filter: counted and told
 * to the listeners as {@code onRejected}), and the protocol's answers that run nothing (a key in
 * progress, a key reused for another request, an unreachable or full store). A body refused as
 * too large is read and dropped first, up to a limit, so that the client can read the 413. Not
 * part of the API.
 *
 * <p>This class is threadsafe: its configuration is immutable.
 */
final class Refusals {
  private static final Logger log = LoggerFactory.getLogger(IdempotencyFilter.class);

  /** How much of a refused body is read and dropped so that the client can read the 413. */
  static final long SWALLOW_LIMIT = 4L * 1024 * 1024;

  private final FilterEvents events;
  private final long maxBodyBytes;

  Refusals(FilterEvents events, long maxBodyBytes) {
    this.events = events;
    this.maxBodyBytes = maxBodyBytes;
  }

  /** Refuses the request before anything was claimed: counted, told, answered. */
  void reject(HttpServletResponse response, IdempotencyProblem problem, String detail) throws IOException {
    events.rejected(problem);
    problem.write(response, detail, null);
  }

  /** Refuses a body that declares more than the limit, before reading any of it. */
  void declaredTooLarge(HttpServletRequest request, HttpServletResponse response, long declared) throws IOException {
    if (expectsContinue(request)) {
      // The client waits for "100 Continue" before it uploads: refuse without reading, so the
      // container never sends one, and close, in case it sends the body anyway.
      response.setHeader("Connection", "close");
    } else {
      swallowRest(request, response);
    }
    reject(response, IdempotencyProblem.BODY_TOO_LARGE, tooLarge(declared));
  }

  /** Refuses a body that turned out larger than the limit while it was read. */
  void readTooLarge(HttpServletRequest request, HttpServletResponse response) throws IOException {
    swallowRest(request, response);
    reject(response, IdempotencyProblem.BODY_TOO_LARGE, tooLarge(-1));
  }

  /** Refuses a request whose body (not a form) a filter in front read: it cannot be fingerprinted. */
  void consumedBefore(HttpServletRequest request, HttpServletResponse response, long declared, int readable)
      throws IOException {
    log.warn("IdempotencyFilter cannot fingerprint {} {}: its body ({} bytes declared, {} readable) was"
        + " consumed before the filter ran, by a filter or valve in front of it that read the body;"
        + " map IdempotencyFilter before it", request.getMethod(), request.getRequestURI(), declared, readable);
    reject(response, IdempotencyProblem.BODY_UNAVAILABLE, "the request body was consumed before the"
        + " idempotency filter could read it (a filter in front of it read the body); nothing was done");
  }

  /** A request with this key is still in progress (after the configured wait, if any): 409. */
  static void inProgress(HttpServletResponse response, Duration retryAfter) throws IOException {
    IdempotencyProblem.KEY_IN_USE.write(response, "a request with this key is still being processed;"
        + " retry after " + IdempotencyProblem.retryAfterSeconds(retryAfter) + " s", retryAfter);
  }

  /** The key was used for a different request: 422. */
  static void mismatch(HttpServletResponse response) throws IOException {
    IdempotencyProblem.KEY_REUSED.write(response, "this idempotency key was used for a different request"
        + " (method, path, query, content type or body differ); use a new key for a new request", null);
  }

  /** The claim failed (counted, logged and reported by the {@code Idempotency}): 503, nothing ran. */
  static void storeUnavailable(HttpServletResponse response, RuntimeException e) throws IOException {
    String detail = e instanceof IdempotencyStoreFullException
        ? "too many requests are in progress to accept another idempotent request; retry shortly"
        : "the idempotency store could not be reached; nothing was done; retry shortly";
    IdempotencyProblem.STORE_UNAVAILABLE.write(response, detail, Duration.ofSeconds(1));
  }

  /**
   * Reads and drops the rest of a body refused as too large, up to {@link #SWALLOW_LIMIT}, as
   * Tomcat's {@code maxSwallowSize} does: a client that sends its whole body before reading (no
   * {@code Expect: 100-continue}) would otherwise see the connection reset instead of the 413.
   * Past the limit, or on a read error, the connection is marked to close and nothing more is
   * read.
   */
  private static void swallowRest(HttpServletRequest request, HttpServletResponse response) {
    long declared = request.getContentLengthLong();
    if (declared > SWALLOW_LIMIT) {
      response.setHeader("Connection", "close");
      return;
    }
    try {
      ServletInputStream in = request.getInputStream();
      byte[] chunk = new byte[8192];
      long dropped = 0;
      int n;
      while ((n = in.read(chunk)) != -1) {
        dropped += n;
        if (dropped > SWALLOW_LIMIT) {
          response.setHeader("Connection", "close");
          return;
        }
      }
    } catch (IOException | IllegalStateException e) {
      response.setHeader("Connection", "close");
    }
  }

  private static boolean expectsContinue(HttpServletRequest request) {
    String expect = request.getHeader("Expect");
    return expect != null && expect.trim().equalsIgnoreCase("100-continue");
  }

  private String tooLarge(long declared) {
    return (declared >= 0 ? "the request body has " + declared + " bytes" : "the request body is larger than allowed")
        + "; idempotent requests may carry at most " + maxBodyBytes + " bytes";
  }
}
