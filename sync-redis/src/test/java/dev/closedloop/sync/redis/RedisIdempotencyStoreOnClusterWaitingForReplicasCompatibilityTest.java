package dev.closedloop.sync.redis;

import java.time.Duration;

/**
 * The store passes the compatibility kit on a Redis Cluster with every claim, completion and
 * renewal acknowledged only once the master's replica has it ({@code WAIT 1}).
 */
class RedisIdempotencyStoreOnClusterWaitingForReplicasCompatibilityTest extends RedisIdempotencyStoreCompatibilityTest {
  @Override
  RedisIdempotencyStoreBuilder where(RedisIdempotencyStoreBuilder b) {
    return b.clusterUris(ClusterTestSupport.seeds(ClusterTestSupport.shared())).waitForReplicas(1, Duration.ofSeconds(1));
  }
}
