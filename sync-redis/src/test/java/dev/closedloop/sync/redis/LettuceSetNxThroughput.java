package dev.closedloop.sync.redis;

import dev.closedloop.sync.testkit.StoreThroughput;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;

/**
 * The client-side ceiling for {@link RedisClaimThroughput}: plain {@code SET key v NX PX 30000}
 * of distinct keys through one shared Lettuce connection from N threads, as the store does its
 * scripts. Not a test: run it by hand.
 *
 * <pre>
 * java -cp ... dev.closedloop.sync.redis.LettuceSetNxThroughput [threads=8] [seconds=10] [warmupSeconds=3]
 * </pre>
 */
public final class LettuceSetNxThroughput {
  private LettuceSetNxThroughput() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    String url = System.getenv().getOrDefault("SYNC_REDIS_URL", RedisTestSupport.DEFAULT_URL);
    String prefix = RedisTestSupport.newPrefix();
    RedisClient client = RedisClient.create(url);
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      RedisCommands<String, String> redis = connection.sync();
      SetArgs nx = SetArgs.Builder.nx().px(30_000);
      StoreThroughput.Result r = StoreThroughput.measure(threads, Duration.ofSeconds(warmup),
          Duration.ofSeconds(seconds), (thread, i) -> {
            if (!"OK".equals(redis.set(prefix + thread + ":" + i, "v", nx))) {
              throw new IllegalStateException("SET NX refused a fresh key");
            }
          });
      System.out.printf("lettuce SET NX: %d threads, one connection, %.0f ops/s, %d in %.1f s%n",
          threads, r.perSecond(), r.operations(), r.seconds());
      RedisTestSupport.deleteKeys(redis, prefix);
    } finally {
      client.shutdown();
    }
  }
}
