package dev.closedloop.sync.redis;

import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.testkit.RealtimeBusCompatibilityKit;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The Redis Streams bus passes the bus kit on a real server. */
class RedisRealtimeBusCompatibilityTest extends RealtimeBusCompatibilityKit {
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
  protected RealtimeBus createBus(int replayCapacity) {
    return RedisRealtimeBus.builder().client(client).keyPrefix(PREFIX).maxEventsPerTopic(replayCapacity).build();
  }
}
