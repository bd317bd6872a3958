package dev.closedloop.sync.redis;

/**
 * The Redis store passes the kit on its own connections with every claim run by the script, as
 * on Redis before 7.
 */
class RedisIdempotencyStoreScriptClaimsCompatibilityTest extends RedisIdempotencyStoreCompatibilityTest {
  @Override
  boolean scriptClaimsOnly() {
    return true;
  }

  @Override
  boolean ownConnections() {
    return true;
  }
}
