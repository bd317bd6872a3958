package dev.closedloop.sync.redis;

import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.testkit.RealtimeBusCompatibilityKit;

/** The Redis Streams bus passes the bus kit on a Redis Cluster of three masters, its topics spread over the slots. */
class RedisRealtimeBusOnClusterCompatibilityTest extends RealtimeBusCompatibilityKit {
  private static final String PREFIX = RedisTestSupport.newPrefix();

  @Override
  protected RealtimeBus createBus(int replayCapacity) {
    return RedisRealtimeBus.builder().clusterUris(ClusterTestSupport.seeds(ClusterTestSupport.shared()))
        .keyPrefix(PREFIX).maxEventsPerTopic(replayCapacity).build();
  }
}
