package dev.closedloop.sync.spring.boot;

import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.redis.RedisIdempotencyStore;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * The HTTP scenarios on the real Redis, found through {@code spring.data.redis.url} alone: the
 * default rule picks the Redis store and the Redis bus.
 */
@TestPropertySource(properties = {
    "closedloop.idempotency.retention=10m",
    "spring.autoconfigure.exclude=org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
        + "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration"})
class RedisHttpTest extends HttpTestBase {
  private static final String PREFIX = Services.unique("cls-boot-test:") + ":";

  @DynamicPropertySource
  static void redis(DynamicPropertyRegistry registry) {
    registry.add("spring.data.redis.url", Services::redisUrl);
    registry.add("closedloop.idempotency.key-prefix", () -> PREFIX + "idem:");
    registry.add("closedloop.realtime.key-prefix", () -> PREFIX + "rt:");
  }

  @AfterAll
  static void deleteKeys() {
    RedisClient client = RedisClient.create(Services.redisUrl());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      RedisCommands<String, String> redis = c.sync();
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.matches(PREFIX + "*").limit(500));
        if (!page.getKeys().isEmpty()) {
          redis.del(page.getKeys().toArray(String[]::new));
        }
        cursor = page;
      } while (!cursor.isFinished());
    } finally {
      client.shutdown();
    }
  }

  @Override
  Class<? extends IdempotencyStore> expectedStore() {
    return RedisIdempotencyStore.class;
  }

  @Override
  String expectedBus() {
    return "RedisRealtimeBus";
  }
}
