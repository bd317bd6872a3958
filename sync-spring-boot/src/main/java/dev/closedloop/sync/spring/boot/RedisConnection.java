package dev.closedloop.sync.spring.boot;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Where Redis is, read from Spring Boot's own {@code spring.data.redis.*} settings (the names are
 * the same on Spring Boot 3.5 and 4.0): {@code url}, or {@code host}, {@code port}, {@code
 * username}, {@code password}, {@code database} and {@code ssl.enabled}; or {@code cluster.nodes}.
 * Read with a {@link Binder}, so environment variables ({@code SPRING_DATA_REDIS_HOST}) count as
 * in Spring Boot.
 *
 * <p>Immutable; this class is threadsafe.
 */
final class RedisConnection {
  private static final String PREFIX = "spring.data.redis.";

  /** The property that says a connection is configured, for messages; null if none is. */
  final @Nullable String configuredBy;
  /** One {@code redis://} or {@code rediss://} URI, or null for a cluster. */
  final @Nullable String uri;
  /** The cluster's seed nodes as URIs, or empty. */
  final List<String> clusterUris;
  final @Nullable Duration timeout;

  private RedisConnection(@Nullable String configuredBy, @Nullable String uri, List<String> clusterUris,
      @Nullable Duration timeout) {
    this.configuredBy = configuredBy;
    this.uri = uri;
    this.clusterUris = clusterUris;
    this.timeout = timeout;
  }

  static RedisConnection from(Environment environment) {
    Binder binder = Binder.get(environment);
    String url = string(binder, "url");
    String host = string(binder, "host");
    List<String> nodes = binder.bind(PREFIX + "cluster.nodes", Bindable.listOf(String.class)).orElse(List.of());
    Duration timeout = binder.bind(PREFIX + "timeout", Duration.class).orElse(null);
    String username = string(binder, "username");
    String password = string(binder, "password");
    boolean ssl = binder.bind(PREFIX + "ssl.enabled", Boolean.class).orElse(false);
    String scheme = ssl ? "rediss://" : "redis://";
    String auth = auth(username, password);
    if (!nodes.isEmpty()) {
      List<String> uris = nodes.stream().map(n -> scheme + auth + n.trim()).toList();
      return new RedisConnection(PREFIX + "cluster.nodes", null, uris, timeout);
    }
    if (url != null) {
      return new RedisConnection(PREFIX + "url", url, List.of(), timeout);
    }
    int port = binder.bind(PREFIX + "port", Integer.class).orElse(6379);
    int database = binder.bind(PREFIX + "database", Integer.class).orElse(0);
    String uri = scheme + auth + (host != null ? host : "localhost") + ":" + port + "/" + database;
    return new RedisConnection(host != null ? PREFIX + "host" : null, uri, List.of(), timeout);
  }

  boolean configured() {
    return configuredBy != null;
  }

  /** Where, without the password: for messages. */
  String describe() {
    String where = uri != null ? uri : String.join(",", clusterUris);
    return where.replaceAll("//[^@/]*@", "//***@");
  }

  private static @Nullable String string(Binder binder, String name) {
    String v = binder.bind(PREFIX + name, String.class).orElse(null);
    return v == null || v.isBlank() ? null : v;
  }

  private static String auth(@Nullable String username, @Nullable String password) {
    if (password == null) {
      return "";
    }
    return (username != null ? encode(username) : "") + ":" + encode(password) + "@";
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
