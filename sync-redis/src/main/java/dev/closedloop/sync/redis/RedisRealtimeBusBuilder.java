package dev.closedloop.sync.redis;

import dev.closedloop.sync.realtime.spi.ServerLogFanout;
import dev.closedloop.sync.realtime.RealtimeBusUnavailableException;
import dev.closedloop.sync.realtime.spi.ServerBusOptions;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.Scheduler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.pubsub.RedisPubSubListener;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Configures a {@link RedisRealtimeBus}. Every setter validates at once; {@link #build()} copies
 * the settings, so a builder can be reused.
 *
 * <p>This class is not threadsafe.
 */
public final class RedisRealtimeBusBuilder {
  /** The default key prefix: streams are {@code cls:rt:<topic>}. */
  public static final String DEFAULT_KEY_PREFIX = "cls:rt:";

  /**
   * The default name of the bus's connections ({@code CLIENT SETNAME}); the reader's ends in
   * {@code -reader}, the Pub/Sub connection's in {@code -listener}.
   */
  public static final String DEFAULT_CLIENT_NAME = "closedloop-realtime";

  static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);

  @Nullable RedisURI uri;
  @Nullable RedisClient client;
  @Nullable List<RedisURI> clusterUris;
  @Nullable RedisClusterClient clusterClient;
  String keyPrefix = DEFAULT_KEY_PREFIX;
  String clientName = DEFAULT_CLIENT_NAME;
  Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
  final ServerBusOptions options = new ServerBusOptions(100_000_000);

  RedisRealtimeBusBuilder() {}

  /**
   * Connects to the Redis at {@code uri}; the bus owns the client and its three connections.
   *
   * @throws NullPointerException if {@code uri} is null
   * @throws IllegalArgumentException if {@code uri} is not a Redis URI
   */
  public RedisRealtimeBusBuilder uri(String uri) {
    this.uri = RedisSettings.uri(uri);
    return this;
  }

  /**
   * Opens the bus's three connections on {@code client}, which must have a default URI; the bus
   * closes its connections, never the client.
   *
   * @throws NullPointerException if {@code client} is null
   */
  public RedisRealtimeBusBuilder client(RedisClient client) {
    this.client = Objects.requireNonNull(client, "client cannot be null");
    return this;
  }

  /**
   * Connects to the Redis Cluster that these nodes belong to ({@code redis://host:port}; one is
   * enough); the bus owns the client and its connections. The client refreshes its view of the
   * cluster every 30 seconds and at once when a node redirects a command or stays unreachable,
   * so the bus follows a failover.
   *
   * @throws NullPointerException if {@code uris} or one of them is null
   * @throws IllegalArgumentException if there is none, more than 64, or one is not a Redis URI
   */
  public RedisRealtimeBusBuilder clusterUris(String... uris) {
    this.clusterUris = RedisClusters.seeds(uris);
    return this;
  }

  /**
   * Opens the bus's three connections on the application's Redis Cluster client; the bus closes
   * its connections, never the client. Give the client a topology refresh (see Lettuce's {@code
   * ClusterTopologyRefreshOptions}) so the bus follows a failover.
   *
   * @throws NullPointerException if {@code client} is null
   */
  public RedisRealtimeBusBuilder clusterClient(RedisClusterClient client) {
    this.clusterClient = Objects.requireNonNull(client, "client cannot be null");
    return this;
  }

  /**
   * Sets the prefix of every key the bus writes (default {@value #DEFAULT_KEY_PREFIX}). The bus
   * adds a hash tag of its own, the topic in braces, so a topic's keys share a slot and topics
   * spread over a cluster; keep hash tags out of the prefix, which would pin every topic to one
   * slot.
   *
   * @throws NullPointerException if {@code keyPrefix} is null
   * @throws IllegalArgumentException if it is empty or longer than 256 characters
   */
  public RedisRealtimeBusBuilder keyPrefix(String keyPrefix) {
    this.keyPrefix = RedisSettings.keyPrefix(keyPrefix);
    return this;
  }

  /**
   * Sets the name of the bus's connections (default {@value #DEFAULT_CLIENT_NAME}); the reader's
   * connection is named with {@code -reader} appended, the Pub/Sub one with {@code -listener}.
   *
   * @throws NullPointerException if {@code clientName} is null
   * @throws IllegalArgumentException if it is empty, longer than 120 characters or holds a space
   *     or a character outside printable ASCII
   */
  public RedisRealtimeBusBuilder clientName(String clientName) {
    this.clientName = RedisSettings.clientName(clientName, 120);
    return this;
  }

  /**
   * Sets how long a command waits for Redis before it fails (default 2 s).
   *
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if it is not positive or longer than 10 minutes
   */
  public RedisRealtimeBusBuilder commandTimeout(Duration timeout) {
    this.commandTimeout = RedisSettings.commandTimeout(timeout);
    return this;
  }

  /**
   * Sets how many events each topic's stream keeps for replay (default 10,000). The stream holds
   * between this many and this many plus a tenth (trimmed in batches).
   *
   * @throws IllegalArgumentException if {@code max} is below 1 or above 100,000,000
   */
  public RedisRealtimeBusBuilder maxEventsPerTopic(int max) {
    options.maxEventsPerTopic(max);
    return this;
  }

  /**
   * Sets the bound of each subscription's queue of undelivered events (default 4,096); past it
   * the subscription ends with {@code OVERFLOW}.
   *
   * @throws IllegalArgumentException if {@code capacity < 1}
   */
  public RedisRealtimeBusBuilder subscriberQueueCapacity(int capacity) {
    options.subscriberQueueCapacity(capacity);
    return this;
  }

  /**
   * Sets the size of the delivery pool (default one daemon thread per core, {@link
   * ServerLogFanout#defaultDeliveryThreads()}, created on demand).
   *
   * @throws IllegalArgumentException if {@code threads < 1}
   */
  public RedisRealtimeBusBuilder deliveryThreads(int threads) {
    options.deliveryThreads(threads);
    return this;
  }

  /**
   * Sets the policy whose {@link RetryPolicy#delayNanos} spaces the reader's attempts to catch a
   * topic up from its stream after a failure (default 100 ms doubling to 10 s, full jitter); its
   * attempt limit is ignored.
   *
   * @throws NullPointerException if {@code policy} is null
   */
  public RedisRealtimeBusBuilder reconnectPolicy(RetryPolicy<?> policy) {
    options.reconnectPolicy(policy);
    return this;
  }

  /**
   * Sets the scheduler the reader's backoff waits and {@link RedisRealtimeBus#awaitChange} timeouts
   * run on (default {@link Scheduler#system()}).
   *
   * @throws NullPointerException if {@code scheduler} is null
   */
  public RedisRealtimeBusBuilder scheduler(Scheduler scheduler) {
    options.scheduler(scheduler);
    return this;
  }

  /**
   * Connects and starts the reader.
   *
   * @throws IllegalStateException if not exactly one of uri, client, clusterUris and
   *     clusterClient was set
   * @throws RealtimeBusUnavailableException if the bus cannot connect
   */
  public RedisRealtimeBus build() {
    int sources = (uri != null ? 1 : 0) + (client != null ? 1 : 0) + (clusterUris != null ? 1 : 0)
        + (clusterClient != null ? 1 : 0);
    if (sources != 1) {
      throw new IllegalStateException("exactly one of uri, client, clusterUris and clusterClient must be set: "
          + sources + " are");
    }
    String name = clientName;
    Duration timeout = commandTimeout;
    try {
      if (uri != null) {
        RedisClient owned = RedisClient.create(RedisURI.builder(uri).withTimeout(timeout).build());
        return build(listener -> opened(() -> BusConnections.open(owned, name, timeout, listener,
            () -> owned.shutdown(Duration.ZERO, Duration.ofSeconds(2))), owned::shutdown));
      }
      if (client != null) {
        RedisClient c = client;
        return build(listener -> BusConnections.open(c, name, timeout, listener, () -> { }));
      }
      if (clusterUris != null) {
        RedisClusterClient owned = RedisClusters.client(clusterUris, name, timeout);
        return build(listener -> opened(() -> BusConnections.open(owned, name, timeout, listener,
            () -> RedisClusters.shutdown(owned)), () -> RedisClusters.shutdown(owned)));
      }
      RedisClusterClient c = Objects.requireNonNull(clusterClient);
      return build(listener -> BusConnections.open(c, name, timeout, listener, () -> { }));
    } catch (RedisException e) {
      throw new RealtimeBusUnavailableException("redis realtime bus could not connect: " + e.getMessage(), e);
    }
  }

  private RedisRealtimeBus build(Function<RedisPubSubListener<String, String>, BusConnections> open) {
    return new RedisRealtimeBus(this, open);
  }

  /** Opens, shutting the bus's own client down if opening fails. */
  private static BusConnections opened(Supplier<BusConnections> open, Runnable shutdownOwned) {
    try {
      return open.get();
    } catch (RuntimeException e) {
      shutdownOwned.run();
      throw e;
    }
  }
}
