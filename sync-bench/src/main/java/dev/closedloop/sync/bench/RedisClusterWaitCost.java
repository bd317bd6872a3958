package dev.closedloop.sync.bench;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.StoredResponse;
import dev.closedloop.sync.redis.RedisIdempotencyStore;
import dev.closedloop.sync.redis.RedisIdempotencyStoreBuilder;
import dev.closedloop.sync.testkit.LocalRedisCluster;
import io.lettuce.core.RedisClient;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;

/**
 * What {@code waitForReplicas(1, …)} costs: the Redis store on a Redis Cluster of its own (three
 * masters with a replica each, from the machine's {@code redis-server}), claims per second and
 * the latency of each claim (and of claim + complete), by default and with every write
 * acknowledged only once the replica has it ({@code WAIT 1}). Both modes run in the same
 * invocation, interleaved (default, WAIT, default, WAIT), on the same cluster.
 *
 * <pre>
 * java -cp sync-bench/target/benchmarks.jar dev.closedloop.sync.bench.RedisClusterWaitCost \
 *     [--threads 8] [--warmup 3] [--seconds 10] [--rounds 2] [--compare redis://127.0.0.1:6379]
 * </pre>
 *
 * <p>With {@code --compare}, each round first claims with the same store on that one Redis (no
 * replica, so no {@code WAIT}), over a Lettuce connection and over the store's own connections:
 * what Redis Cluster itself costs on the same machine in the same minute.
 *
 * <p>Each thread claims distinct keys in a loop ({@code claim}), or claims each and completes it
 * with a 30-byte response ({@code pair}); one {@link RedisIdempotencyStore} built with {@code
 * clusterUris} (Lettuce's cluster client, one connection per master shared by the threads).
 *
 * <p>This class is not threadsafe; it is a program.
 */
public final class RedisClusterWaitCost {
  private static final StoredResponse RESPONSE = StoredResponse.of(201, Map.of(),
      "{\"id\":42,\"status\":\"created\"}".getBytes(StandardCharsets.UTF_8));

  private RedisClusterWaitCost() {}

  /**
   * Runs the measurement.
   *
   * @param args see the class comment
   */
  public static void main(String[] args) throws Exception {
    run(args, new PrintStream(System.out, true, StandardCharsets.UTF_8));
  }

  /** One row of the table. */
  record Row(int round, boolean waitForReplicas, boolean complete, double perSecond, Histogram latency) {}

  /** Runs the measurement, prints the table to {@code out}, and returns its rows. */
  static List<Row> run(String[] args, PrintStream out) throws Exception {
    int threads = 8;
    int warmup = 3;
    int seconds = 10;
    int rounds = 2;
    String compare = "";
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
        case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--compare" -> compare = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    List<Row> rows = new ArrayList<>();
    try (LocalRedisCluster cluster = LocalRedisCluster.start(3, 1)) {
      String[] seeds = cluster.uris().toArray(new String[0]);
      out.printf(Locale.ROOT, "Redis store on a local Redis Cluster (3 masters + 1 replica each), %d threads,"
          + " %d s warm-up + %d s per row, %d cores%n", threads, warmup, seconds, Runtime.getRuntime().availableProcessors());
      out.println("| Round | Mode | Operation | ops/s | p50 | p99 | p99.9 | max |");
      out.println("|---|---|---|---|---|---|---|---|");
      for (int round = 1; round <= rounds; round++) {
        if (!compare.isEmpty()) {
          // the same store on one Redis, in the same minute: what the cluster's own cost is
          for (boolean own : new boolean[] {false, true}) {
            RedisClient client = RedisClient.create(compare);
            RedisIdempotencyStoreBuilder b = RedisIdempotencyStore.builder()
                .keyPrefix("cls-bench-wait:" + UUID.randomUUID().toString().substring(0, 8) + ":");
            if (own) {
              b.uri(compare);
            } else {
              b.client(client);
            }
            try (RedisIdempotencyStore store = b.build()) {
              loop(store, false, threads, warmup, 0, null);
              Recorder recorder = new Recorder(3);
              double perSecond = loop(store, false, threads, 0, seconds, recorder);
              Histogram h = recorder.getIntervalHistogram();
              out.printf(Locale.ROOT, "| %d | %s | claim | %,.0f | %.3f ms | %.3f ms | %.3f ms | %.3f ms |%n", round,
                  own ? "one Redis, own connections" : "one Redis, Lettuce", perSecond,
                  h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                  h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6);
            } finally {
              client.shutdown();
            }
          }
        }
        for (String op : List.of("claim", "pair")) {
          for (boolean wait : new boolean[] {false, true}) {
            RedisIdempotencyStoreBuilder b = RedisIdempotencyStore.builder().clusterUris(seeds)
                .keyPrefix("cls-bench-wait:" + UUID.randomUUID().toString().substring(0, 8) + ":");
            if (wait) {
              b.waitForReplicas(1, Duration.ofSeconds(1));
            }
            try (RedisIdempotencyStore store = b.build()) {
              loop(store, op.equals("pair"), threads, warmup, 0, null); // warm-up, unrecorded
              Recorder recorder = new Recorder(3);
              double perSecond = loop(store, op.equals("pair"), threads, 0, seconds, recorder);
              Histogram h = recorder.getIntervalHistogram();
              rows.add(new Row(round, wait, op.equals("pair"), perSecond, h));
              out.printf(Locale.ROOT, "| %d | %s | %s | %,.0f | %.3f ms | %.3f ms | %.3f ms | %.3f ms |%n", round,
                  wait ? "WAIT 1" : "default", op.equals("pair") ? "claim + complete" : "claim", perSecond,
                  h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                  h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6);
            }
          }
        }
      }
    }
    return rows;
  }

  /** Runs the loop for {@code warmupSeconds + seconds}; returns operations per second of the recorded part. */
  private static double loop(RedisIdempotencyStore store, boolean pair, int threads, int warmupSeconds, int seconds,
      @Nullable Recorder recorder) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch go = new CountDownLatch(1);
    long[] counts = new long[threads];
    Throwable[] failure = new Throwable[1];
    List<Thread> workers = new ArrayList<>();
    String run = UUID.randomUUID().toString().substring(0, 8);
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread w = new Thread(() -> {
        try {
          go.await();
          for (long i = 0; !stop.get(); i++) {
            long start = System.nanoTime();
            IdempotencyKey key = IdempotencyKey.of("bench", run + "-" + thread + "-" + i);
            ClaimResult r = store.claim(key, "fp", Duration.ofMinutes(1));
            if (!(r instanceof ClaimResult.Claimed claimed)) {
              throw new IllegalStateException("a fresh key was not claimed: " + r);
            }
            if (pair && !store.complete(key, claimed.token(), RESPONSE, Duration.ofMinutes(1))) {
              throw new IllegalStateException("the owner could not complete " + key);
            }
            if (recorder != null) {
              recorder.recordValue(System.nanoTime() - start);
            }
            counts[thread]++;
          }
        } catch (Throwable e) {
          synchronized (failure) {
            failure[0] = e;
          }
          stop.set(true);
        }
      }, "wait-cost-" + t);
      w.start();
      workers.add(w);
    }
    long begin = System.nanoTime();
    go.countDown();
    Thread.sleep(TimeUnit.SECONDS.toMillis(warmupSeconds + seconds));
    stop.set(true);
    long elapsed = System.nanoTime() - begin;
    for (Thread w : workers) {
      w.join();
    }
    synchronized (failure) {
      if (failure[0] != null) {
        throw new IllegalStateException("a worker failed: " + failure[0], failure[0]);
      }
    }
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    return total / (elapsed / 1e9);
  }
}
