package dev.closedloop.sync.redis;

import dev.closedloop.sync.testkit.StoreThroughput;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;

/**
 * Claims per second through one store, from N threads, of distinct keys: {@code pair} mode
 * (the default) claims and completes each key, {@code claim} mode only claims (the operation that
 * compares with a {@code SET NX}). {@code own} (the default) builds the store from the URI, on its
 * own connections; {@code lettuce} builds it on a Lettuce client, one shared connection. Not a
 * test: run it by hand next to {@code redis-benchmark -t set -n 200000 -c 8 -q}.
 *
 * <pre>
 * java -cp ... dev.closedloop.sync.redis.RedisClaimThroughput [threads=8] [seconds=10] [warmupSeconds=3] [pair|claim] [native|script] [own|lettuce]
 * </pre>
 */
public final class RedisClaimThroughput {
  private RedisClaimThroughput() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    boolean complete = args.length <= 3 || !args[3].equals("claim");
    boolean scriptOnly = args.length > 4 && args[4].equals("script");
    boolean lettuce = args.length > 5 && args[5].equals("lettuce");
    String url = System.getenv().getOrDefault("SYNC_REDIS_URL", RedisTestSupport.DEFAULT_URL);
    String prefix = RedisTestSupport.newPrefix();
    RedisClient client = lettuce ? RedisClient.create(url) : null;
    RedisIdempotencyStoreBuilder builder = RedisIdempotencyStore.builder().keyPrefix(prefix);
    if (client != null) {
      builder.client(client);
    } else {
      builder.uri(url);
    }
    if (scriptOnly) {
      builder.scriptClaimsOnly();
    }
    try (RedisIdempotencyStore store = builder.build()) {
      StoreThroughput.Result r = StoreThroughput.claims(store, threads, Duration.ofSeconds(warmup),
          Duration.ofSeconds(seconds), complete);
      System.out.printf("redis store: %d threads, %.0f claims/s (%s, %s, %s), %d in %.1f s%n",
          threads, r.perSecond(), complete ? "claim+complete" : "claim only",
          store.nativeClaims() ? "native SET NX PX GET" : "script", lettuce ? "lettuce" : "own connections",
          r.operations(), r.seconds());
    } finally {
      if (client != null) {
        client.shutdown();
      }
      RedisClient cleaner = RedisClient.create(url);
      try (StatefulRedisConnection<String, String> c = cleaner.connect()) {
        RedisTestSupport.deleteKeys(c.sync(), prefix);
      } finally {
        cleaner.shutdown();
      }
    }
  }
}
