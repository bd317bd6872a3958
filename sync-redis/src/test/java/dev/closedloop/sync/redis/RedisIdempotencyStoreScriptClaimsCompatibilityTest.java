package dev.closedloop.sync.redis;

/** The Redis store passes the kit with every claim run by the script, as on Redis before 7. */
class RedisIdempotencyStoreScriptClaimsCompatibilityTest extends RedisIdempotencyStoreCompatibilityTest {
  @Override
  boolean scriptClaimsOnly() {
    return true;
  }
}
