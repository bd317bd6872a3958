package dev.closedloop.sync.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * JSON in and out for the demo's servlets, and RFC 9457 problem answers. Not part of any API.
 *
 * <p>This class is threadsafe.
 */
final class DemoHttp {
  /** The base of the demo's own problem {@code type} URIs. */
  static final String PROBLEM_BASE = "https://closedloop.dev/problems/demo/";

  static final ObjectMapper JSON = new ObjectMapper();

  private DemoHttp() {}

  /** Thrown by a handler to answer with a problem; the message is the problem's detail. */
  static final class ProblemException extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;
    final String slug;
    final String title;
    final Duration retryAfter;

    ProblemException(int status, String slug, String title, String detail) {
      this(status, slug, title, detail, Duration.ZERO);
    }

    ProblemException(int status, String slug, String title, String detail, Duration retryAfter) {
      super(detail, null, false, false);
      this.status = status;
      this.slug = slug;
      this.title = title;
      this.retryAfter = retryAfter;
    }
  }

  /**
   * Returns the request's scoped idempotency key as the ledger counts it. The filter requires a
   * key on every mutation route, so a handler without one is misconfigured.
   *
   * @throws IllegalStateException if the request did not pass the idempotency filter with a key
   */
  static IdempotencyKey requireKey(HttpServletRequest request) {
    return IdempotencyFilter.currentKey(request).orElseThrow(() -> new IllegalStateException(
        "no idempotency key on " + request.getRequestURI() + ": is the IdempotencyFilter mapped to /api/*?"));
  }

  /**
   * Reads the request body as a JSON object.
   *
   * @throws ProblemException 400 if the body is not a JSON object
   */
  static JsonNode readObject(HttpServletRequest request) throws IOException, ProblemException {
    byte[] body = request.getInputStream().readAllBytes();
    JsonNode node;
    try {
      node = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new ProblemException(400, "malformed-json", "Malformed JSON", "the body is not JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new ProblemException(400, "malformed-json", "Malformed JSON", "the body must be a JSON object");
    }
    return node;
  }

  /** Writes {@code body} as JSON with {@code status}. */
  static void writeJson(HttpServletResponse response, int status, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    response.setStatus(status);
    response.setContentType("application/json");
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }

  /** Writes a problem answer ({@code application/problem+json}). */
  static void writeProblem(HttpServletResponse response, ProblemException p, String instance) throws IOException {
    ObjectNode body = JSON.createObjectNode()
        .put("type", PROBLEM_BASE + p.slug)
        .put("title", p.title)
        .put("status", p.status)
        .put("detail", p.getMessage())
        .put("instance", instance);
    byte[] bytes = JSON.writeValueAsBytes(body);
    response.setStatus(p.status);
    if (!p.retryAfter.isZero()) {
      response.setHeader("Retry-After", String.valueOf(Math.max(1, (p.retryAfter.toMillis() + 999) / 1000)));
    }
    response.setContentType("application/problem+json");
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }

  /** Returns {@code s} as UTF-8 bytes. */
  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
