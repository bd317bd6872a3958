package dev.closedloop.sync.client;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The request that opens a realtime stream: {@code GET endpoint?topics=a,b} (sorted) asking for
 * {@code text/event-stream}, the fixed headers, the supplier's headers (asked on every connect,
 * so a rotated token is picked up by the next one), and {@code Last-Event-ID} to resume.
 *
 * <p>This class is threadsafe if the header supplier is.
 */
final class StreamRequests {
  private final URI uri;
  private final Map<String, String> headers;
  private final @Nullable Supplier<Map<String, String>> headerSupplier;

  StreamRequests(URI endpoint, Set<String> topics, Map<String, String> headers,
      @Nullable Supplier<Map<String, String>> headerSupplier) {
    this.uri = URI.create(endpoint + "?topics="
        + URLEncoder.encode(String.join(",", new TreeSet<>(topics)), StandardCharsets.UTF_8));
    this.headers = Map.copyOf(headers);
    this.headerSupplier = headerSupplier;
  }

  /** Returns true if the headers come (partly) from a supplier, which may rotate a credential. */
  boolean rotatesHeaders() {
    return headerSupplier != null;
  }

  /**
   * Returns the request resuming after {@code lastEventId} (empty: from now).
   *
   * @throws RuntimeException what the header supplier threw, or {@link IllegalArgumentException}
   *     if it gave a header the client sets itself
   */
  HttpRequest build(String lastEventId) {
    HttpRequest.Builder req = HttpRequest.newBuilder(uri)
        .GET()
        .header("Accept", "text/event-stream")
        .header("Cache-Control", "no-cache");
    headers.forEach(req::header);
    if (headerSupplier != null) {
      Map<String, String> supplied = headerSupplier.get();
      if (supplied != null) {
        supplied.forEach((name, value) -> {
          if (RealtimeClientBuilder.isReserved(name)) {
            throw new IllegalArgumentException("header " + name + " is set by the client itself");
          }
          req.setHeader(name, value);
        });
      }
    }
    if (!lastEventId.isEmpty()) {
      req.header("Last-Event-ID", lastEventId);
    }
    return req.build();
  }
}
