package dev.closedloop.sync.redis;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.StoredResponse;
import dev.closedloop.sync.time.Ticker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

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
    StoredResponse response = StoredResponse.of(201, Map.of("Content-Type", List.of("application/json")),
        "{\"id\":\"0123456789abcdef0123456789\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Ticker ticker = Ticker.system();

    io.lettuce.core.RedisClient client = lettuce ? io.lettuce.core.RedisClient.create(url) : null;
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
      LongAdder done = new LongAdder();
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String scope = "bench-" + t;
        Thread w = new Thread(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            return;
          }
          long i = 0;
          while (!stop.get()) {
            IdempotencyKey key = IdempotencyKey.of(scope, Long.toString(i++));
            ClaimResult r = store.claim(key, "fp", Duration.ofSeconds(30));
            if (!(r instanceof ClaimResult.Claimed)
                || complete && !store.complete(key, ((ClaimResult.Claimed) r).token(), response, Duration.ofSeconds(60))) {
              throw new IllegalStateException("unexpected " + r);
            }
            done.increment();
          }
        });
        workers.add(w);
        w.start();
      }
      go.countDown();
      Thread.sleep(warmup * 1000L);
      long before = done.sum();
      long start = ticker.read();
      Thread.sleep(seconds * 1000L);
      long count = done.sum() - before;
      double elapsed = (ticker.read() - start) / 1e9;
      stop.set(true);
      for (Thread w : workers) {
        w.join();
      }
      System.out.printf("redis store: %d threads, %.0f claims/s (%s, %s, %s), %d in %.1f s%n",
          threads, count / elapsed, complete ? "claim+complete" : "claim only",
          store.nativeClaims() ? "native SET NX PX GET" : "script", lettuce ? "lettuce" : "own connections",
          count, elapsed);
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
