package dev.closedloop.sync.servlet;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * An RFC 9457 problem answer of the SSE servlet, written as UTF-8 bytes. The {@code type} URIs
 * are stable: {@code https://closedloop.dev/sync/problems/realtime/<slug>}.
 */
final class SseProblem {
  static final String TYPE_PREFIX = "https://closedloop.dev/sync/problems/realtime/";
  static final String MEDIA_TYPE = "application/problem+json";

  private SseProblem() {}

  static void write(HttpServletResponse resp, int status, String slug, String title, String detail)
      throws IOException {
    String body =
        "{\"type\":" + SseFrames.quote(TYPE_PREFIX + slug)
            + ",\"title\":" + SseFrames.quote(title)
            + ",\"status\":" + status
            + ",\"detail\":" + SseFrames.quote(detail) + "}";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    resp.setStatus(status);
    resp.setHeader("Content-Type", MEDIA_TYPE);
    resp.setHeader("Cache-Control", "no-store");
    resp.setContentLength(bytes.length);
    try (OutputStream out = resp.getOutputStream()) {
      out.write(bytes);
    }
  }
}
