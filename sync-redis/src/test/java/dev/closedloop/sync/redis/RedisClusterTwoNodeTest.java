package dev.closedloop.sync.redis;

import dev.closedloop.sync.servlet.twonode.TwoNodeScenarios;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;

/**
 * Two application nodes in one JVM, each an embedded Jetty with its own store and bus, sharing a
 * Redis Cluster of three masters: the scenarios every shared backend passes ({@link
 * TwoNodeScenarios}: 32 concurrent requests with one key split over both nodes run the handler
 * once; an SSE client of one node hears the other's events and resumes on it).
 */
class RedisClusterTwoNodeTest extends TwoNodeScenarios {
  /** Whether the stores acknowledge only what the replica has ({@code WAIT 1}). */
  boolean waitForReplicas() {
    return false;
  }

  @BeforeEach
  void startNodes() throws Exception {
    String[] seeds = ClusterTestSupport.seeds(ClusterTestSupport.shared());
    String prefix = RedisTestSupport.newPrefix();
    startNodes(own(store(seeds, prefix)), own(RedisRealtimeBus.builder().clusterUris(seeds).keyPrefix(prefix + "rt:").build()),
        own(store(seeds, prefix)), own(RedisRealtimeBus.builder().clusterUris(seeds).keyPrefix(prefix + "rt:").build()));
  }

  private RedisIdempotencyStore store(String[] seeds, String prefix) {
    RedisIdempotencyStoreBuilder b = RedisIdempotencyStore.builder().clusterUris(seeds).keyPrefix(prefix + "idem:");
    if (waitForReplicas()) {
      b.waitForReplicas(1, Duration.ofSeconds(1));
    }
    return b.build();
  }

  /** The same with {@code WAIT 1} after every claim, completion and renewal. */
  static class WaitingForReplicas extends RedisClusterTwoNodeTest {
    @Override
    boolean waitForReplicas() {
      return true;
    }
  }
}
