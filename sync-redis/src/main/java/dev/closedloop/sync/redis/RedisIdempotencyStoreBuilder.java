package dev.closedloop.sync.redis;

import dev.closedloop.sync.idempotency.ExpiredLeasePolicy;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.StoredResponse;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link RedisIdempotencyStore}. Say where Redis is in exactly one way:
 *
 * <ul>
 *   <li>{@link #uri(String)}: the store creates a client and a connection and closes both;
 *   <li>{@link #client(RedisClient)}: the store opens one connection on the application's client
 *       (which must have a default URI) and closes only that connection;
 *   <li>{@link #connection(StatefulRedisConnection)} or {@link
 *       #clusterConnection(StatefulRedisClusterConnection)}: the store uses the application's
 *       connection (with {@link ByteArrayCodec}) and closes nothing.
 * </ul>
 *
 * <p>{@link #clientName(String)} and {@link #commandTimeout(Duration)} apply to connections the
 * store creates; an application's connection keeps its own settings. Setters validate at once
 * with fixed messages; {@link #build()} checks the options against each other and copies them,
 * so a builder can be reused.
 *
 * <p>This class is not threadsafe.
 */
public final class RedisIdempotencyStoreBuilder {
  /** The key prefix unless set: {@value}. */
  public static final String DEFAULT_KEY_PREFIX = "cls:idem:";

  /** The client name of connections the store creates unless set: {@value}. */
  public static final String DEFAULT_CLIENT_NAME = "closedloop-idempotency";

  static final long DEFAULT_MAX_RESPONSE_BYTES = 1024L * 1024;
  static final long MAX_MAX_RESPONSE_BYTES = 256L * 1024 * 1024;
  static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);

  private @Nullable RedisURI uri;
  private @Nullable RedisClient client;
  private @Nullable StatefulRedisConnection<byte[], byte[]> connection;
  private @Nullable StatefulRedisClusterConnection<byte[], byte[]> clusterConnection;
  private String keyPrefix = DEFAULT_KEY_PREFIX;
  private @Nullable String clientName;
  private @Nullable Duration commandTimeout;
  private ExpiredLeasePolicy expiredLeasePolicy = ExpiredLeasePolicy.RE_EXECUTE;
  private Duration abandonedRetention = IdempotencyStore.DEFAULT_RETENTION;
  private long maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;

  RedisIdempotencyStoreBuilder() {}

  /**
   * Connects to the Redis at {@code uri} ({@code redis://host:port/db}, {@code rediss://...} for
   * TLS); the store owns the client and the connection.
   *
   * @throws NullPointerException if {@code uri} is null
   * @throws IllegalArgumentException if {@code uri} is not a Redis URI
   */
  public RedisIdempotencyStoreBuilder uri(String uri) {
    Objects.requireNonNull(uri, "uri cannot be null");
    try {
      this.uri = RedisURI.create(uri);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("uri is not a Redis URI: " + e.getMessage(), e);
    }
    return this;
  }

  /**
   * Opens the store's connection on {@code client}, which must have been created with a default
   * URI; the store closes its connection, never the client.
   *
   * @throws NullPointerException if {@code client} is null
   */
  public RedisIdempotencyStoreBuilder client(RedisClient client) {
    this.client = Objects.requireNonNull(client, "client cannot be null");
    return this;
  }

  /**
   * Uses the application's connection, opened with {@link ByteArrayCodec}; the store never
   * closes it. Lettuce pipelines the commands of all threads on it.
   *
   * @throws NullPointerException if {@code connection} is null
   */
  public RedisIdempotencyStoreBuilder connection(StatefulRedisConnection<byte[], byte[]> connection) {
    this.connection = Objects.requireNonNull(connection, "connection cannot be null");
    return this;
  }

  /**
   * Uses the application's Redis Cluster connection, opened with {@link ByteArrayCodec}; the
   * store never closes it. Every operation touches one key, so it is routed to one node.
   *
   * @throws NullPointerException if {@code connection} is null
   */
  public RedisIdempotencyStoreBuilder clusterConnection(StatefulRedisClusterConnection<byte[], byte[]> connection) {
    this.clusterConnection = Objects.requireNonNull(connection, "connection cannot be null");
    return this;
  }

  /**
   * Sets the prefix of every key the store writes, so that several applications (or test runs)
   * share one Redis without meeting. Default {@value #DEFAULT_KEY_PREFIX}. Keep hash tags out of
   * it on Redis Cluster (see {@link RedisIdempotencyStore}).
   *
   * @throws NullPointerException if {@code keyPrefix} is null
   * @throws IllegalArgumentException if it is empty or longer than 256 characters
   */
  public RedisIdempotencyStoreBuilder keyPrefix(String keyPrefix) {
    Objects.requireNonNull(keyPrefix, "keyPrefix cannot be null");
    if (keyPrefix.isEmpty() || keyPrefix.length() > 256) {
      throw new IllegalArgumentException("keyPrefix must have 1 to 256 characters: " + keyPrefix.length());
    }
    this.keyPrefix = keyPrefix;
    return this;
  }

  /**
   * Sets the name ({@code CLIENT SETNAME}) of the connection the store creates, so operators can
   * find it in {@code CLIENT LIST}. Default {@value #DEFAULT_CLIENT_NAME}.
   *
   * @throws NullPointerException if {@code clientName} is null
   * @throws IllegalArgumentException if it is empty, longer than 128 characters or contains a
   *     space or a character outside printable ASCII
   */
  public RedisIdempotencyStoreBuilder clientName(String clientName) {
    Objects.requireNonNull(clientName, "clientName cannot be null");
    if (clientName.isEmpty() || clientName.length() > 128
        || !clientName.chars().allMatch(c -> c > ' ' && c < 127)) {
      throw new IllegalArgumentException(
          "clientName must be 1 to 128 printable ASCII characters without spaces: " + clientName);
    }
    this.clientName = clientName;
    return this;
  }

  /**
   * Sets how long an operation on the connection the store creates waits for Redis before it
   * fails with {@link RedisStoreException}. Default 2 seconds.
   *
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if it is not positive or longer than 10 minutes
   */
  public RedisIdempotencyStoreBuilder commandTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout cannot be null");
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("timeout must be positive and at most 10 minutes: " + timeout);
    }
    this.commandTimeout = timeout;
    return this;
  }

  /**
   * Sets what happens when a lease expires before its owner completes. Default {@link
   * ExpiredLeasePolicy#RE_EXECUTE}.
   *
   * @throws NullPointerException if {@code policy} is null
   */
  public RedisIdempotencyStoreBuilder expiredLeasePolicy(ExpiredLeasePolicy policy) {
    this.expiredLeasePolicy = Objects.requireNonNull(policy, "policy cannot be null");
    return this;
  }

  /**
   * Sets how long, from the claim, an abandoned claim blocks its key under {@link
   * ExpiredLeasePolicy#CONFLICT_UNTIL_EXPIRY}. Default 24 hours; ignored under {@code RE_EXECUTE}.
   *
   * @throws NullPointerException if {@code retention} is null
   * @throws IllegalArgumentException if {@code retention} is not positive or above 10,000 days
   */
  public RedisIdempotencyStoreBuilder abandonedClaimRetention(Duration retention) {
    this.abandonedRetention = IdempotencyStore.checkDuration(retention, "retention");
    return this;
  }

  /**
   * Sets the largest response kept replayable, by {@link StoredResponse#size()}; larger ones are
   * completed as not replayable. Default 1 MiB.
   *
   * @throws IllegalArgumentException if it is below 1 or above 256 MiB
   */
  public RedisIdempotencyStoreBuilder maxResponseBytes(long maxResponseBytes) {
    if (maxResponseBytes < 1 || maxResponseBytes > MAX_MAX_RESPONSE_BYTES) {
      throw new IllegalArgumentException(
          "maxResponseBytes must be between 1 and " + MAX_MAX_RESPONSE_BYTES + ": " + maxResponseBytes);
    }
    this.maxResponseBytes = maxResponseBytes;
    return this;
  }

  /**
   * Builds the store. With a URI or a client this connects to Redis.
   *
   * @throws IllegalStateException if not exactly one of uri, client, connection and
   *     clusterConnection was set, or if clientName or commandTimeout was set with an
   *     application's connection
   * @throws RedisStoreException if the store cannot connect
   */
  public RedisIdempotencyStore build() {
    int sources = (uri != null ? 1 : 0) + (client != null ? 1 : 0) + (connection != null ? 1 : 0)
        + (clusterConnection != null ? 1 : 0);
    if (sources != 1) {
      throw new IllegalStateException(
          "exactly one of uri, client, connection and clusterConnection must be set: " + sources + " are");
    }
    boolean appConnection = connection != null || clusterConnection != null;
    if (appConnection && (clientName != null || commandTimeout != null)) {
      throw new IllegalStateException(
          "clientName and commandTimeout apply to connections the store creates, not to an application's connection");
    }
    String name = clientName != null ? clientName : DEFAULT_CLIENT_NAME;
    Duration timeout = commandTimeout != null ? commandTimeout : DEFAULT_COMMAND_TIMEOUT;
    if (connection != null) {
      return store(connection.sync(), null, null);
    }
    if (clusterConnection != null) {
      return store(clusterConnection.sync(), null, null);
    }
    RedisClient owned = null;
    try {
      if (uri != null) {
        RedisURI given = Objects.requireNonNull(uri);
        String uriName = clientName == null && given.getClientName() != null ? given.getClientName() : name;
        RedisURI u = RedisURI.builder(given).withClientName(uriName).withTimeout(timeout).build();
        owned = RedisClient.create(u);
        StatefulRedisConnection<byte[], byte[]> c = owned.connect(ByteArrayCodec.INSTANCE);
        return store(c.sync(), c, owned);
      }
      StatefulRedisConnection<byte[], byte[]> c = Objects.requireNonNull(client).connect(ByteArrayCodec.INSTANCE);
      try {
        c.setTimeout(timeout);
        c.sync().clientSetname(name.getBytes(StandardCharsets.US_ASCII));
      } catch (RedisException e) {
        c.close();
        throw e;
      }
      return store(c.sync(), c, null);
    } catch (RedisException e) {
      if (owned != null) {
        owned.shutdown();
      }
      throw new RedisStoreException("redis idempotency store could not connect: " + e.getMessage(), e);
    }
  }

  private RedisIdempotencyStore store(RedisScriptingCommands<byte[], byte[]> redis,
      @Nullable StatefulConnection<byte[], byte[]> ownedConnection,
      @Nullable RedisClient ownedClient) {
    return new RedisIdempotencyStore(redis, ownedConnection, ownedClient, keyPrefix, expiredLeasePolicy,
        abandonedRetention, maxResponseBytes);
  }
}
