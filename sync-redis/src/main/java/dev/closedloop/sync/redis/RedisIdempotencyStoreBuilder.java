package dev.closedloop.sync.redis;

import dev.closedloop.sync.idempotency.ExpiredLeasePolicy;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.StoredResponse;
import dev.closedloop.sync.idempotency.spi.StoreArguments;
import dev.closedloop.sync.time.Ticker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StatefulRedisConnectionImpl;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link RedisIdempotencyStore}. Say where Redis is in exactly one way:
 *
 * <ul>
 *   <li>{@link #uri(String)}: the store creates a client and a connection and closes both;
 *   <li>{@link #client(RedisClient)}: the store opens one connection on the application's client
 *       (which must have a default URI) and closes only that connection;
 *   <li>{@link #clusterUris(String...)}: the store creates a Redis Cluster client (which follows a
 *       failover by itself, see {@link RedisIdempotencyStore}) and a connection, and closes both;
 *   <li>{@link #connection(StatefulRedisConnection)} or {@link
 *       #clusterConnection(StatefulRedisClusterConnection)}: the store uses the application's
 *       connection (with {@link ByteArrayCodec}) and closes nothing.
 * </ul>
 *
 * <h2>Transports</h2>
 *
 * A store built from a plain {@code redis://} URI talks to Redis over blocking connections of its
 * own, one per concurrent caller (at most {@link #maxConnections(int)}): each command is one write
 * and one read on the caller's thread. That is the fast path: at 8 threads on 2 cores it claims
 * about 1.4 times as fast as the same store sharing one Lettuce connection, whose every command
 * crosses to Netty's I/O thread and back (numbers in {@code BENCHMARKS.md}). Every other source
 * goes through Lettuce, which pipelines the commands of all threads on one connection: a {@code
 * rediss://} (TLS), Sentinel or Unix-socket URI, a {@link #client(RedisClient)}, and the
 * application's connections, including Redis Cluster. Both transports resend a command whose
 * connection broke before it was answered, which every command of the store allows; neither
 * resends after a timeout.
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

  /** The most connections a store built from a {@code redis://} URI opens unless set: {@value}. */
  public static final int DEFAULT_MAX_CONNECTIONS = 64;

  private @Nullable RedisURI uri;
  private @Nullable RedisClient client;
  private @Nullable StatefulRedisConnection<byte[], byte[]> connection;
  private @Nullable StatefulRedisClusterConnection<byte[], byte[]> clusterConnection;
  private @Nullable List<RedisURI> clusterUris;
  private @Nullable ReplicaWait replicaWait;
  private String keyPrefix = DEFAULT_KEY_PREFIX;
  private @Nullable String clientName;
  private @Nullable Duration commandTimeout;
  private ExpiredLeasePolicy expiredLeasePolicy = ExpiredLeasePolicy.RE_EXECUTE;
  private Duration abandonedRetention = IdempotencyStore.DEFAULT_RETENTION;
  private long maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
  private boolean scriptClaimsOnly;
  private @Nullable Integer maxConnections;
  private Ticker ticker = Ticker.system();

  RedisIdempotencyStoreBuilder() {}

  /**
   * Connects to the Redis at {@code uri} ({@code redis://host:port/db}, {@code rediss://...} for
   * TLS); the store owns the client and the connection.
   *
   * @throws NullPointerException if {@code uri} is null
   * @throws IllegalArgumentException if {@code uri} is not a Redis URI
   */
  public RedisIdempotencyStoreBuilder uri(String uri) {
    this.uri = RedisSettings.uri(uri);
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
   * Connects to the Redis Cluster that these nodes belong to ({@code redis://host:port}; one is
   * enough, more survive a node being down at start); the store owns the client and the
   * connection. The client refreshes its view of the cluster every 30 seconds and at once when
   * a node redirects a command or stays unreachable, so it follows a failover.
   *
   * @throws NullPointerException if {@code uris} or one of them is null
   * @throws IllegalArgumentException if there is none, more than 64, or one is not a Redis URI
   */
  public RedisIdempotencyStoreBuilder clusterUris(String... uris) {
    this.clusterUris = RedisClusters.seeds(uris);
    return this;
  }

  /**
   * Acknowledges a claim, a completion and a lease renewal only once {@code replicas} replicas
   * of the master that ran it have it ({@code WAIT replicas timeout} on the same connection,
   * right after the command). When fewer acknowledge within {@code timeout}, the operation throws
   * {@link RedisStoreException}: the caller runs nothing (an HTTP front end answers 503), never
   * on a claim that a failover could lose. Off by default, which is what Redis users get:
   * replication is asynchronous, and a master that dies before its replica has a claim loses it
   * (see {@link RedisIdempotencyStore}). A release waits too. The timeout must be shorter than
   * the command timeout.
   *
   * <p>On a Lettuce connection {@code WAIT} holds up the commands queued behind it on that
   * connection until the replicas answer, usually well under a millisecond on a healthy link.
   *
   * @throws IllegalArgumentException if {@code replicas} is below 1 or above 16, or {@code
   *     timeout} is not positive or longer than one minute
   * @throws NullPointerException if {@code timeout} is null
   */
  public RedisIdempotencyStoreBuilder waitForReplicas(int replicas, Duration timeout) {
    if (replicas < 1 || replicas > 16) {
      throw new IllegalArgumentException("replicas must be between 1 and 16: " + replicas);
    }
    Objects.requireNonNull(timeout, "timeout cannot be null");
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException("timeout must be positive and at most one minute: " + timeout);
    }
    this.replicaWait = new ReplicaWait(replicas, StoreArguments.ceilMillis(timeout));
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
    this.keyPrefix = RedisSettings.keyPrefix(keyPrefix);
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
    this.clientName = RedisSettings.clientName(clientName, 128);
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
    this.commandTimeout = RedisSettings.commandTimeout(timeout);
    return this;
  }

  /**
   * Sets how many connections a store built from a {@code redis://} URI may hold open at once; a
   * caller that finds all of them busy waits up to the command timeout for one. Default {@value
   * #DEFAULT_MAX_CONNECTIONS}: size it to the number of request threads that claim at once.
   * Lettuce transports (see the class comment) use one connection and ignore it.
   *
   * @throws IllegalArgumentException if it is below 1 or above 10,000
   */
  public RedisIdempotencyStoreBuilder maxConnections(int maxConnections) {
    if (maxConnections < 1 || maxConnections > 10_000) {
      throw new IllegalArgumentException("maxConnections must be between 1 and 10000: " + maxConnections);
    }
    this.maxConnections = maxConnections;
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
    this.abandonedRetention = StoreArguments.checkDuration(retention, "retention");
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
   * Builds the store. With a URI, cluster URIs or a client this connects to Redis.
   *
   * @throws IllegalStateException if not exactly one of uri, client, connection, clusterUris and
   *     clusterConnection was set, if clientName or commandTimeout was set with an application's
   *     connection, maxConnections without a URI, or a waitForReplicas timeout not shorter than
   *     the command timeout
   * @throws RedisStoreException if the store cannot connect
   */
  public RedisIdempotencyStore build() {
    int sources = (uri != null ? 1 : 0) + (client != null ? 1 : 0) + (connection != null ? 1 : 0)
        + (clusterConnection != null ? 1 : 0) + (clusterUris != null ? 1 : 0);
    if (sources != 1) {
      throw new IllegalStateException("exactly one of uri, client, connection, clusterUris and clusterConnection"
          + " must be set: " + sources + " are");
    }
    boolean appConnection = connection != null || clusterConnection != null;
    if (appConnection && (clientName != null || commandTimeout != null)) {
      throw new IllegalStateException(
          "clientName and commandTimeout apply to connections the store creates, not to an application's connection");
    }
    if (maxConnections != null && uri == null) {
      throw new IllegalStateException("maxConnections applies to a store built from a URI");
    }
    String name = clientName != null ? clientName : DEFAULT_CLIENT_NAME;
    Duration timeout = commandTimeout != null ? commandTimeout : DEFAULT_COMMAND_TIMEOUT;
    ReplicaWait wait = replicaWait;
    if (wait != null && !appConnection && wait.timeoutMillis() >= timeout.toMillis()) {
      throw new IllegalStateException("the waitForReplicas timeout (" + wait.timeoutMillis()
          + " ms) must be shorter than the command timeout (" + timeout.toMillis() + " ms)");
    }
    if (connection != null) {
      return store(StoreCommands.lettuce(connection.sync(), () -> { }, wait));
    }
    if (clusterConnection != null) {
      return store(StoreCommands.cluster(clusterConnection, () -> { }, wait, () -> { }));
    }
    if (clusterUris != null) {
      RedisClusterClient cluster = RedisClusters.client(clusterUris, name, timeout);
      try {
        StatefulRedisClusterConnection<byte[], byte[]> c = cluster.connect(ByteArrayCodec.INSTANCE);
        return store(StoreCommands.cluster(c, () -> {
          try {
            c.close();
          } finally {
            RedisClusters.shutdown(cluster);
          }
        }, wait, RedisClusters.refresher(cluster, ticker)));
      } catch (RedisException e) {
        RedisClusters.shutdown(cluster);
        throw new RedisStoreException("redis idempotency store could not connect to the cluster: " + e.getMessage(), e);
      }
    }
    RedisClient owned = null;
    try {
      if (uri != null) {
        RedisURI given = Objects.requireNonNull(uri);
        String uriName = clientName == null && given.getClientName() != null ? given.getClientName() : name;
        if (plain(given)) {
          return store(pool(given, uriName, timeout));
        }
        RedisURI u = RedisURI.builder(given).withClientName(uriName).withTimeout(timeout).build();
        RedisClient client = RedisClient.create(u);
        owned = client;
        StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE);
        return store(StoreCommands.lettuce(c.sync(), () -> {
          try {
            c.close();
          } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2)); // connections are closed: no quiet period
          }
        }, wait));
      }
      StatefulRedisConnection<byte[], byte[]> c = Objects.requireNonNull(client).connect(ByteArrayCodec.INSTANCE);
      try {
        c.setTimeout(timeout);
        if (c instanceof StatefulRedisConnectionImpl<byte[], byte[]> named) {
          named.setClientName(name); // kept in the connection's state: set again after a reconnect
          c.sync().ping(); // the name is on the server before the store is used
        } else {
          c.sync().clientSetname(name.getBytes(StandardCharsets.US_ASCII));
        }
      } catch (RedisException e) {
        c.close();
        throw e;
      }
      return store(StoreCommands.lettuce(c.sync(), c::close, wait));
    } catch (RedisException e) {
      if (owned != null) {
        owned.shutdown();
      }
      throw new RedisStoreException("redis idempotency store could not connect: " + e.getMessage(), e);
    }
  }

  /** Whether the store can reach this URI over its own plain TCP connections (no TLS, Sentinel or socket file). */
  private static boolean plain(RedisURI uri) {
    return !uri.isSsl() && uri.getSentinels().isEmpty() && uri.getSocket() == null;
  }

  private RespPool pool(RedisURI uri, String name, Duration timeout) {
    int timeoutMillis = (int) timeout.toMillis(); // at most 10 minutes
    RespPool pool = new RespPool(() -> {
      RedisCredentials credentials = uri.getCredentialsProvider().resolveCredentials().block(timeout);
      return RespConnection.open(uri.getHost(), uri.getPort(), timeoutMillis,
          credentials != null && credentials.hasUsername() ? credentials.getUsername() : null,
          credentials != null && credentials.hasPassword() ? credentials.getPassword() : null,
          uri.getDatabase(), name);
    }, timeout, maxConnections != null ? maxConnections : DEFAULT_MAX_CONNECTIONS, ticker, replicaWait);
    try {
      return pool.warm();
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  private RedisIdempotencyStore store(StoreCommands redis) {
    boolean nativeClaims = !scriptClaimsOnly && serverMajorVersion(redis) >= 7;
    return new RedisIdempotencyStore(redis, nativeClaims, keyPrefix, expiredLeasePolicy,
        abandonedRetention, maxResponseBytes);
  }

  /** Returns the major version of the server, from {@code INFO server}; 0 if it cannot be read. */
  private static int serverMajorVersion(StoreCommands redis) {
    String info;
    try {
      info = redis.serverInfo();
    } catch (RedisException e) {
      return 0; // INFO refused (an ACL, say): claim by script, which every version runs
    }
    int at = info.indexOf("redis_version:");
    if (at < 0) {
      return 0;
    }
    int from = at + "redis_version:".length();
    int dot = info.indexOf('.', from);
    try {
      return Integer.parseInt(info.substring(from, dot < 0 ? from : dot).trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Sets the ticker that ages the store's idle connections: for tests. */
  RedisIdempotencyStoreBuilder ticker(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker cannot be null");
    return this;
  }

  /** Makes every claim run the script, as on Redis before 7: for tests and measurements. */
  RedisIdempotencyStoreBuilder scriptClaimsOnly() {
    this.scriptClaimsOnly = true;
    return this;
  }
}
