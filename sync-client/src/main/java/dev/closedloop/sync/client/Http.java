package dev.closedloop.sync.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Small HTTP helpers shared by mutations and offline replay: validation, sf-strings, problems. */
final class Http {
  private Http() {}

  static final String KEY_HEADER = "Idempotency-Key";
  static final String REPLAYED_HEADER = "Idempotent-Replayed";
  /** The idempotency filter's "a request with this key is in progress" problem type (sync-servlet). */
  static final String PROBLEM_KEY_IN_USE = "https://closedloop.dev/problems/idempotency-key-in-use";
  static final int MAX_KEY_LENGTH = 255;

  private static final Set<String> RESERVED = Set.of(
      "connection", "content-length", "expect", "host", "upgrade", "idempotency-key", "x-idempotency-key");
  private static final ObjectMapper PROBLEMS = new ObjectMapper();

  static void checkMethod(String method) {
    if (method.isEmpty() || !isToken(method)) {
      throw new IllegalArgumentException("method must be an HTTP token: '" + method + "'");
    }
  }

  static void checkUri(URI uri, String what) {
    String scheme = uri.getScheme();
    if (!uri.isAbsolute() || scheme == null
        || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || uri.getHost() == null) {
      throw new IllegalArgumentException(what + " must be an absolute http(s) URI: " + uri);
    }
  }

  /** Checks a client-side key against the filter's rules: 1–255 printable ASCII characters. */
  static void checkKey(String key) {
    if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException("idempotency key must be 1-" + MAX_KEY_LENGTH + " characters: " + key.length());
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x21 || c > 0x7E) {
        throw new IllegalArgumentException("idempotency key must be visible ASCII; bad character at " + i);
      }
    }
  }

  static void checkHeader(String name, String value) {
    Objects.requireNonNull(name, "header name cannot be null");
    Objects.requireNonNull(value, "header value cannot be null");
    if (name.isEmpty() || !isToken(name)) {
      throw new IllegalArgumentException("header name must be an HTTP token: '" + name + "'");
    }
    if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException("header " + name + " is set by the client itself");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7F) {
        throw new IllegalArgumentException("header " + name + " has a control character in its value");
      }
    }
  }

  private static boolean isToken(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Returns {@code key} as an RFC 9651 sf-string: quoted, with {@code "} and {@code \} escaped. */
  static String sfString(String key) {
    StringBuilder b = new StringBuilder(key.length() + 2).append('"');
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\');
      }
      b.append(c);
    }
    return b.append('"').toString();
  }

  /** The {@code type} and {@code detail} of an RFC 9457 problem body, when the response has one. */
  record Problem(@Nullable String type, @Nullable String detail) {
    static final Problem NONE = new Problem(null, null);
  }

  static Problem problem(HttpResponse<byte[]> response) {
    String ct = response.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
    byte[] body = response.body();
    if (!ct.startsWith("application/problem+json") || body == null || body.length == 0) {
      return Problem.NONE;
    }
    try {
      JsonNode n = PROBLEMS.readTree(body);
      if (n == null || !n.isObject()) {
        return Problem.NONE;
      }
      JsonNode type = n.get("type");
      JsonNode detail = n.get("detail");
      return new Problem(type != null && type.isTextual() ? type.asText() : null,
          detail != null && detail.isTextual() ? detail.asText() : null);
    } catch (java.io.IOException e) {
      return Problem.NONE;
    }
  }
}
