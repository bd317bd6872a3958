package dev.closedloop.sync.spring.boot;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.UUID;

/**
 * Where the tests find the real servers: Redis at {@code SYNC_REDIS_URL} (default {@code
 * redis://127.0.0.1:6379}), PostgreSQL at {@code SYNC_JDBC_URL} (default {@code
 * jdbc:postgresql://127.0.0.1:5432/test?user=postgres}). A server that does not answer skips the
 * test, except with {@code CI=true}, where it fails.
 */
final class Services {
  private Services() {}

  static String redisUrl() {
    String url = env("SYNC_REDIS_URL", "redis://127.0.0.1:6379");
    URI uri = URI.create(url);
    reachable("Redis", url, uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort());
    return url;
  }

  static String jdbcUrl() {
    String url = env("SYNC_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    URI uri = URI.create(url.substring("jdbc:".length()));
    reachable("PostgreSQL", url, uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort());
    return url;
  }

  /** A name no other run uses: lowercase letters, digits and underscores. */
  static String unique(String prefix) {
    return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  private static String env(String name, String otherwise) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? otherwise : v;
  }

  private static void reachable(String what, String url, String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 1000);
    } catch (IOException e) {
      String message = what + " is not reachable at " + url + " (" + e.getMessage() + ")";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message + "; CI=true: a missing server fails the build");
      }
      abort(message);
    }
  }
}
