package dev.closedloop.sync.examples;

import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.handler.CrossOriginHandler;

/**
 * The CORS configuration a web app on another origin needs, for embedded Jetty 12: it must be
 * allowed to send {@code Idempotency-Key} (and {@code Content-Type: application/json}, which also
 * needs a preflight), and to read {@code Idempotent-Replayed}, {@code Retry-After} and {@code
 * Location}, which are not CORS-safelisted response headers; its {@code EventSource} needs the
 * stream's origin allowed. Jetty's {@link CrossOriginHandler} answers preflights itself, so they
 * never reach the idempotency filter (which would pass them untouched anyway: it only handles
 * POST, PUT and PATCH).
 *
 * <p>This class is threadsafe (stateless).
 */
public final class CrossOrigin {
  private CrossOrigin() {}

  /**
   * Returns a {@link CrossOriginHandler} around {@code app} that allows exactly {@code origins}
   * (for example {@code https://app.example.com}; no wildcards, no trailing slash).
   */
  public static CrossOriginHandler allow(Set<String> origins, Handler app) {
    CrossOriginHandler cors = new CrossOriginHandler();
    cors.setAllowedOriginPatterns(origins.stream().map(Pattern::quote).collect(Collectors.toSet())); // regexes
    cors.setAllowedMethods(Set.of("GET", "POST", "PUT", "PATCH", "DELETE"));
    cors.setAllowedHeaders(Set.of("Content-Type", "Authorization", "Idempotency-Key", "Last-Event-ID"));
    cors.setExposedHeaders(Set.of("Idempotent-Replayed", "Retry-After", "Location"));
    cors.setAllowCredentials(true);            // cookies, or new EventSource(url, {withCredentials: true})
    cors.setPreflightMaxAge(Duration.ofMinutes(10));
    cors.setHandler(app);
    return cors;
  }
}
