package dev.closedloop.sync.client;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP exchange as the per-attempt chain sees it: an immutable request plus what the
 * interceptors need to name it in errors. Interceptors change it with the {@code with*} methods.
 *
 * <p>This class is immutable and threadsafe.
 */
final class Exchange {
  final String mutationName;
  final String method;
  final URI uri;
  final Map<String, String> headers; // unmodifiable, in order
  final byte[] body; // never modified
  final String key;
  final @Nullable String contentType;
  final @Nullable Duration timeout;

  Exchange(String mutationName, String method, URI uri, Map<String, String> headers, byte[] body, String key,
      @Nullable String contentType, @Nullable Duration timeout) {
    this.mutationName = mutationName;
    this.method = method;
    this.uri = uri;
    this.headers = headers;
    this.body = body;
    this.key = key;
    this.contentType = contentType;
    this.timeout = timeout;
  }

  Exchange withHeader(String name, String value) {
    LinkedHashMap<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new Exchange(mutationName, method, uri, java.util.Collections.unmodifiableMap(h), body, key, contentType,
        timeout);
  }

  Exchange withTimeout(@Nullable Duration timeout) {
    return new Exchange(mutationName, method, uri, headers, body, key, contentType, timeout);
  }

  String host() {
    String h = uri.getHost();
    return h == null ? "" : h;
  }

  @Override
  public String toString() {
    return method + " " + uri + " [" + mutationName + ", key " + key + "]";
  }
}
