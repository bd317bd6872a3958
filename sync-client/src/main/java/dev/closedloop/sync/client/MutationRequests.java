package dev.closedloop.sync.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * How a mutation's variables become the {@link Exchange} every attempt sends (endpoint, encoded
 * body, headers, a fresh key), and how an exchange becomes the {@link QueuedRequest} the offline
 * queue keeps (secret headers left out). Each failure of the application's functions is a {@link
 * MutationException} naming the mutation.
 *
 * <p>This class is threadsafe if the application's functions are.
 */
final class MutationRequests<V> {
  private final String name;
  private final Function<? super V, URI> endpoint;
  private final String method;
  private final ObjectMapper mapper;
  private final Function<? super V, ?> body;
  private final @Nullable String contentType;
  private final Map<String, String> headers;
  private final @Nullable Function<? super V, Map<String, String>> variableHeaders;
  private final Set<String> secretHeaders;
  private final Supplier<String> keys;
  private final int priority;

  MutationRequests(SyncMutationBuilder<V, ?> b, Supplier<String> keys) {
    this.name = b.name;
    this.endpoint = b.endpoint;
    this.method = b.method;
    this.mapper = b.mapper;
    this.body = b.body;
    this.contentType = b.contentType;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
    this.variableHeaders = b.variableHeaders;
    this.secretHeaders = Set.copyOf(b.secretHeaders);
    this.keys = keys;
    this.priority = b.priority;
  }

  String method() {
    return method;
  }

  /**
   * Returns the exchange for {@code variables}, with a new idempotency key.
   *
   * @throws MutationEncodeException if the body cannot be encoded
   * @throws MutationException if a function of the application threw or returned null, or gave a
   *     bad URI, header or key
   */
  Exchange prepare(V variables) {
    URI uri;
    try {
      uri = endpoint.apply(variables);
    } catch (RuntimeException e) {
      throw new MutationException(name, null, "the endpoint function threw for " + variables + ": " + e, e);
    }
    if (uri == null) {
      throw new MutationException(name, null, "the endpoint function returned null for " + variables, null);
    }
    try {
      Http.checkUri(uri, "endpoint");
    } catch (IllegalArgumentException e) {
      throw new MutationException(name, null, e.getMessage(), e);
    }
    Object payload = body.apply(variables);
    byte[] bytes;
    if (payload == null) {
      bytes = new byte[0];
    } else {
      try {
        bytes = mapper.writeValueAsBytes(payload);
      } catch (JsonProcessingException e) {
        throw new MutationEncodeException(name, payload.getClass().getName(), e);
      }
    }
    LinkedHashMap<String, String> h = new LinkedHashMap<>(headers);
    if (variableHeaders != null) {
      Map<String, String> extra = variableHeaders.apply(variables);
      if (extra == null) {
        throw new MutationException(name, null, "the headers function returned null for " + variables, null);
      }
      try {
        extra.forEach((n, v) -> {
          Http.checkHeader(n, v);
          h.put(n, v);
        });
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new MutationException(name, null, "bad header from the headers function: " + e.getMessage(), e);
      }
    }
    String key;
    try {
      key = keys.get();
      if (key == null) {
        throw new IllegalArgumentException("the key supplier returned null");
      }
      Http.checkKey(key);
    } catch (IllegalArgumentException e) {
      throw new MutationException(name, null, e.getMessage(), e);
    }
    return new Exchange(name, method, uri, Collections.unmodifiableMap(h), bytes, key,
        payload == null ? null : contentType, null);
  }

  /** Returns what the queue keeps of {@code e}: no secret header, the content type explicit. */
  QueuedRequest toQueued(Exchange e, @Nullable String scope) {
    LinkedHashMap<String, String> kept = new LinkedHashMap<>();
    e.headers.forEach((n, v) -> {
      if (!secretHeaders.contains(n.toLowerCase(Locale.ROOT))) {
        kept.put(n, v);
      }
    });
    if (e.contentType != null && kept.keySet().stream().noneMatch("Content-Type"::equalsIgnoreCase)) {
      kept.put("Content-Type", e.contentType);
    }
    return QueuedRequest.of(name, e.method, e.uri, e.key, e.body).withHeaders(kept).withPriority(priority)
        .withScope(scope);
  }
}
