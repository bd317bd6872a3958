package dev.closedloop.sync.client;

import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.Topics;
import dev.closedloop.sync.retry.Jitter;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.Scheduler;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Configures a {@link RealtimeClient}. Setters validate at once; {@link #build()} copies the
 * settings, so a builder can be reused.
 *
 * <p>This class is not threadsafe.
 */
public final class RealtimeClientBuilder {
  private static final Set<String> RESERVED_HEADERS = Set.of("last-event-id", "accept", "cache-control", "host", "connection");

  final URI endpoint;
  final Set<String> topics = new LinkedHashSet<>();
  final Map<String, String> headers = new LinkedHashMap<>();
  @Nullable Supplier<Map<String, String>> headerSupplier;
  RealtimeClientListener listener = RealtimeClientListener.NONE;
  @Nullable HttpClient httpClient;
  RetryPolicy<?> policy =
      RetryPolicy.builder()
          .initialDelay(Duration.ofMillis(500))
          .maxDelay(Duration.ofSeconds(30))
          .jitter(Jitter.full())
          .noDeadline()
          .build();
  Scheduler scheduler = Scheduler.system();
  Cursor resumeFrom = Cursor.EMPTY;
  int maxCachePerTopic = 10_000;
  int maxEventChars = 8 << 20;

  RealtimeClientBuilder(URI endpoint) {
    Objects.requireNonNull(endpoint, "endpoint cannot be null");
    String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
    if (!endpoint.isAbsolute() || !(scheme.equals("http") || scheme.equals("https"))) {
      throw new IllegalArgumentException("endpoint must be an absolute http or https URI: " + endpoint);
    }
    if (endpoint.getRawQuery() != null) {
      throw new IllegalArgumentException("endpoint must not have a query; topics are set with topics(): " + endpoint);
    }
    this.endpoint = endpoint;
  }

  /**
   * Adds topics to hear (at least one is required).
   *
   * @throws NullPointerException if a topic is null
   * @throws IllegalArgumentException if a topic name is invalid
   */
  public RealtimeClientBuilder topics(String... topics) {
    Objects.requireNonNull(topics, "topics cannot be null");
    for (String t : topics) {
      this.topics.add(Topics.requireValid(t));
    }
    return this;
  }

  /**
   * Sets the listener (default {@link RealtimeClientListener#NONE}).
   *
   * @throws NullPointerException if {@code listener} is null
   */
  public RealtimeClientBuilder listener(RealtimeClientListener listener) {
    this.listener = Objects.requireNonNull(listener, "listener cannot be null");
    return this;
  }

  /**
   * Uses {@code client} (the caller owns it; several realtime clients may share one) instead of
   * the process-wide client realtime clients share by default.
   *
   * @throws NullPointerException if {@code client} is null
   */
  public RealtimeClientBuilder httpClient(HttpClient client) {
    this.httpClient = Objects.requireNonNull(client, "client cannot be null");
    return this;
  }

  /**
   * Sets the policy whose {@link RetryPolicy#delayNanos} spaces reconnects (its attempt limit
   * and deadline are not used: the client reconnects until closed). Default: 500 ms doubling to
   * 30 s, full jitter.
   *
   * @throws NullPointerException if {@code policy} is null
   */
  public RealtimeClientBuilder reconnectPolicy(RetryPolicy<?> policy) {
    this.policy = Objects.requireNonNull(policy, "policy cannot be null");
    return this;
  }

  /**
   * Sets the scheduler reconnect waits and {@code awaitChange} timeouts run on (default {@link
   * Scheduler#system()}).
   *
   * @throws NullPointerException if {@code scheduler} is null
   */
  public RealtimeClientBuilder scheduler(Scheduler scheduler) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler cannot be null");
    return this;
  }

  /**
   * Resumes from {@code cursor} on the first connect, as if it were the last event id seen
   * (for a client restarted with a persisted position).
   *
   * @throws NullPointerException if {@code cursor} is null
   */
  public RealtimeClientBuilder resumeFrom(Cursor cursor) {
    this.resumeFrom = Objects.requireNonNull(cursor, "cursor cannot be null");
    return this;
  }

  /**
   * Adds a request header, e.g. {@code Authorization}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the header is one the client sets itself
   */
  public RealtimeClientBuilder header(String name, String value) {
    Objects.requireNonNull(name, "name cannot be null");
    Objects.requireNonNull(value, "value cannot be null");
    if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException("header " + name + " is set by the client itself");
    }
    headers.put(name, value);
    return this;
  }

  /**
   * Supplies request headers on every connect and reconnect, after (and over) those of {@link
   * #header}: a rotated bearer token is picked up by the next connect. With a supplier, a 401
   * is no longer final: the client reconnects after its backoff and asks the supplier again, so
   * it resumes once the supplier returns a token the server accepts. A supplier that throws, or
   * returns a header the client sets itself, fails that connect, which is retried the same way.
   *
   * @throws NullPointerException if {@code supplier} is null
   */
  public RealtimeClientBuilder headers(Supplier<Map<String, String>> supplier) {
    this.headerSupplier = Objects.requireNonNull(supplier, "supplier cannot be null");
    return this;
  }

  /** Whether {@code name} is a header the client sets itself. */
  static boolean isReserved(String name) {
    return RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT));
  }

  /**
   * Sets how many keys the latest-state cache keeps per topic (default 10,000; 0 disables it).
   *
   * @throws IllegalArgumentException if {@code max < 0}
   */
  public RealtimeClientBuilder maxCachePerTopic(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("maxCachePerTopic must not be negative: " + max);
    }
    this.maxCachePerTopic = max;
    return this;
  }

  /**
   * Sets the largest line or event the client accepts, in characters (default 8 Mi); a larger
   * one drops the connection.
   *
   * @throws IllegalArgumentException if {@code max < 1024}
   */
  public RealtimeClientBuilder maxEventChars(int max) {
    if (max < 1024) {
      throw new IllegalArgumentException("maxEventChars must be at least 1024: " + max);
    }
    this.maxEventChars = max;
    return this;
  }

  /**
   * Builds the client (not started: call {@link RealtimeClient#start()}).
   *
   * @throws IllegalStateException if no topic was given
   */
  public RealtimeClient build() {
    if (topics.isEmpty()) {
      throw new IllegalStateException("at least one topic is required");
    }
    return new RealtimeClient(this, httpClient != null ? httpClient : SharedHttp.client());
  }
}
