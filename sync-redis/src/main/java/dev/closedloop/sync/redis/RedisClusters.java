package dev.closedloop.sync.redis;

import dev.closedloop.sync.time.Ticker;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Redis Cluster clients the store and the bus create for {@code clusterUris(...)}: seeds
 * checked with fixed messages, and a topology that follows a failover by itself. The client
 * refreshes the topology every {@link #REFRESH_PERIOD}, and at once (at most once a second) when
 * a node redirects a command, a connection fails to reconnect, or (through {@link #refresher}) a
 * command of the store or the bus fails for want of a node, so a replica promoted after its
 * master died is used within about a second of the cluster agreeing on it.
 *
 * <p>This class is threadsafe (stateless).
 */
final class RedisClusters {
  /** How often the topology is refreshed when nothing triggers it sooner. */
  static final Duration REFRESH_PERIOD = Duration.ofSeconds(30);

  /** The shortest time between two refreshes asked for by failed commands. */
  static final Duration MIN_REFRESH_INTERVAL = Duration.ofSeconds(1);

  private RedisClusters() {}

  /**
   * Checks the seed URIs.
   *
   * @throws NullPointerException if {@code uris} or one of them is null
   * @throws IllegalArgumentException if there is none, more than 64, or one is not a Redis URI
   */
  static List<RedisURI> seeds(String... uris) {
    Objects.requireNonNull(uris, "uris cannot be null");
    if (uris.length == 0 || uris.length > 64) {
      throw new IllegalArgumentException("clusterUris must name 1 to 64 nodes: " + uris.length);
    }
    List<RedisURI> out = new ArrayList<>(uris.length);
    for (String u : uris) {
      out.add(RedisSettings.uri(u));
    }
    return List.copyOf(out);
  }

  /** A client on {@code seeds} whose commands time out after {@code timeout}. */
  static RedisClusterClient client(List<RedisURI> seeds, String clientName, Duration timeout) {
    List<RedisURI> named = new ArrayList<>(seeds.size());
    for (RedisURI seed : seeds) {
      named.add(RedisURI.builder(seed).withClientName(clientName).withTimeout(timeout).build());
    }
    RedisClusterClient client = RedisClusterClient.create(named);
    client.setOptions(ClusterClientOptions.builder()
        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
            .enablePeriodicRefresh(REFRESH_PERIOD)
            .enableAllAdaptiveRefreshTriggers()
            .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
            .refreshTriggersReconnectAttempts(1)
            .build())
        .timeoutOptions(TimeoutOptions.enabled(timeout))
        .build());
    return client;
  }

  /**
   * Returns a task that asks {@code client} to refresh its topology, in the background and at
   * most once per {@link #MIN_REFRESH_INTERVAL} however often it runs: what a command that failed
   * for want of a node calls, so a client that never talked to a dead master (whose connection
   * therefore never fails to reconnect, Lettuce's own trigger) still learns of the failover.
   */
  static Runnable refresher(RedisClusterClient client, Ticker ticker) {
    AtomicLong last = new AtomicLong(ticker.read() - MIN_REFRESH_INTERVAL.toNanos());
    long interval = MIN_REFRESH_INTERVAL.toNanos();
    return () -> {
      long now = ticker.read();
      long before = last.get();
      if (now - before >= interval && last.compareAndSet(before, now)) {
        client.refreshPartitionsAsync();
      }
    };
  }

  /** Shuts a client down whose connections are closed: no quiet period. */
  static void shutdown(RedisClusterClient client) {
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
