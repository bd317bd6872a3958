package dev.closedloop.sync.redis;

/**
 * The Redis store passes the kit on its own connections (built from a URI), at most 8 of them,
 * so the kit's 32-thread claim race also waits for connections to come free.
 */
class RedisIdempotencyStoreOwnConnectionsCompatibilityTest extends RedisIdempotencyStoreCompatibilityTest {
  @Override
  boolean ownConnections() {
    return true;
  }
}
