package dev.closedloop.sync.redis;

import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.testkit.IdempotencyStoreCompatibilityKit;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The Redis store passes the compatibility kit on a real server, on Redis time: short real
 * leases and retentions, and {@link #advanceTime} sleeps (the one place the kit allows it). This
 * run goes through a Lettuce connection; the subclasses go through the store's own connections.
 */
class RedisIdempotencyStoreCompatibilityTest extends IdempotencyStoreCompatibilityKit {
  /** Whether fresh keys are claimed by the script instead of the native command. */
  boolean scriptClaimsOnly() {
    return false;
  }

  /** Whether the store is built from a URI, on its own connections, instead of on a Lettuce client. */
  boolean ownConnections() {
    return false;
  }

  private static final Duration LEASE = Duration.ofMillis(400);
  private static final String PREFIX = RedisTestSupport.newPrefix();
  private static RedisClient client;

  @BeforeAll
  static void connect() {
    client = RedisClient.create(RedisTestSupport.url());
  }

  @AfterAll
  static void cleanUp() {
    if (client != null) {
      try (StatefulRedisConnection<String, String> c = client.connect()) {
        RedisTestSupport.deleteKeys(c.sync(), PREFIX);
      } finally {
        client.shutdown();
      }
    }
  }

  @Override
  protected IdempotencyStore newStore(StoreOptions options) {
    RedisIdempotencyStoreBuilder b = RedisIdempotencyStore.builder();
    if (scriptClaimsOnly()) {
      b.scriptClaimsOnly();
    }
    return where(b)
        .keyPrefix(PREFIX)
        .expiredLeasePolicy(options.expiredLeasePolicy())
        .maxResponseBytes(options.maxResponseBytes())
        .abandonedClaimRetention(options.abandonedClaimRetention())
        .build();
  }

  /** Says where Redis is: the shared server, on a Lettuce client or on the store's own connections. */
  RedisIdempotencyStoreBuilder where(RedisIdempotencyStoreBuilder b) {
    return ownConnections() ? b.uri(RedisTestSupport.url()).maxConnections(8) : b.client(client);
  }

  @Override
  protected void closeStore(IdempotencyStore store) {
    ((RedisIdempotencyStore) store).close();
  }

  @Override
  protected boolean boundsEntries() {
    return false; // Redis bounds itself: maxmemory
  }

  @Override
  protected Duration lease() {
    return LEASE;
  }

  @Override
  protected Duration retention() {
    return LEASE.multipliedBy(3);
  }

  @Override
  protected Duration abandonedClaimRetention() {
    return LEASE.multipliedBy(4);
  }

  @Override
  protected void advanceTime(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for Redis time to pass", e);
    }
  }
}
