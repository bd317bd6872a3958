package dev.closedloop.sync.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.StoredResponse;
import dev.closedloop.sync.time.Ticker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Claims per second (claim + complete of distinct keys) through one store and a pool of N
 * connections, from N threads. Not a test: run it by hand.
 *
 * <pre>
 * java -cp ... dev.closedloop.sync.jdbc.JdbcClaimThroughput [threads=8] [seconds=10] [warmupSeconds=3]
 * </pre>
 */
public final class JdbcClaimThroughput {
  private JdbcClaimThroughput() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    String url = System.getenv().getOrDefault("SYNC_JDBC_URL", JdbcTestSupport.DEFAULT_URL);
    String schema = JdbcTestSupport.newSchemaName();
    StoredResponse response = StoredResponse.of(201, Map.of("Content-Type", List.of("application/json")),
        "{\"id\":\"0123456789abcdef0123456789\"}".getBytes(StandardCharsets.UTF_8));
    Ticker ticker = Ticker.system();
    JdbcTestSupport.createSchema(url, schema);
    try (HikariDataSource pool = JdbcTestSupport.pool(url, "cls-bench", threads);
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(pool)
            .tableName(schema + ".idem").createSchema(true).build()) {
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
                || !store.complete(key, ((ClaimResult.Claimed) r).token(), response, Duration.ofSeconds(60))) {
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
      System.out.printf("jdbc store: %d threads, %.0f claims/s (claim+complete), %d in %.1f s%n",
          threads, count / elapsed, count, elapsed);
    } finally {
      JdbcTestSupport.dropSchema(url, schema);
    }
  }
}
