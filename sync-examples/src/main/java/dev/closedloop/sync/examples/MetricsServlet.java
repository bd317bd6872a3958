package dev.closedloop.sync.examples;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /metrics}: the demo's meters in the Prometheus text format (version 0.0.4), for a
 * Prometheus scrape or the status page. The meters are the {@code sync.*} ones of {@code
 * sync-micrometer}, bound in {@link DemoServer}.
 *
 * <p>This class is threadsafe.
 */
final class MetricsServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final transient PrometheusMeterRegistry registry;

  MetricsServlet(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
    resp.setStatus(200);
    resp.setContentType(CONTENT_TYPE);
    resp.setHeader("Cache-Control", "no-store");
    resp.setContentLength(body.length);
    resp.getOutputStream().write(body);
  }
}
