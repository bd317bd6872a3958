package dev.closedloop.sync.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The Redis Cluster clients the store and the bus create for {@code clusterUris(...)}: seeds
 * checked with fixed messages, and a topology that follows a failover by itself. The client
 * refreshes the topology every {@link #REFRESH_PERIOD}, and at once (at most once a second) when
 * a node redirects a command or a connection keeps failing to reconnect, so a replica promoted
 * after its master died is used within about a second of the cluster agreeing on it.
 *
 * <p>This class is threadsafe (stateless).
 */
final class RedisClusters {
  /** How often the topology is refreshed when nothing triggers it sooner. */
  static final Duration REFRESH_PERIOD = Duration.ofSeconds(30);

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

  /** Shuts a client down whose connections are closed: no quiet period. */
  static void shutdown(RedisClusterClient client) {
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
