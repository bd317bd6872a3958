package dev.closedloop.sync.redis;

/** The store passes the compatibility kit on a Redis Cluster of three masters, its entries spread over every slot. */
class RedisIdempotencyStoreOnClusterCompatibilityTest extends RedisIdempotencyStoreCompatibilityTest {
  @Override
  RedisIdempotencyStoreBuilder where(RedisIdempotencyStoreBuilder b) {
    return b.clusterUris(ClusterTestSupport.seeds(ClusterTestSupport.shared()));
  }
}
