package dev.closedloop.sync.examples;

import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.redis.RedisIdempotencyStore;
import dev.closedloop.sync.time.RandomSource;
import java.io.PrintStream;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

/**
 * The demo's entry point ({@code java -jar sync-examples.jar --help} lists the options). By
 * default it starts the {@link DemoServer} with faults injected, runs the {@link ChaosRun} (Java
 * {@code SyncMutation} clients, an outage, offline replay) and prints its report, whose last line
 * is {@code exactly-once: <n> mutations, <n> applied, 0 duplicates, 0 lost} when all is well;
 * the exit status is 0 then, 1 when any count disagrees. {@code --serve} keeps the server up for
 * the web page until Ctrl-C.
 *
 * <p>This class is threadsafe.
 */
public final class DemoMain {
  private DemoMain() {}

  /** Runs the demo; exits 0 when every check held, 1 when one failed, 2 on a bad option. */
  public static void main(String[] args) throws Exception {
    DemoOptions options;
    try {
      options = DemoOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(DemoOptions.USAGE);
      System.exit(2);
      return;
    }
    if (args.length == 1 && args[0].equals("--help")) {
      System.out.println(DemoOptions.USAGE);
      return;
    }
    System.exit(run(options, System.out));
  }

  /**
   * Runs what {@code o} asks for and returns the exit status: 0 when the chaos run (if any) was
   * exactly-once, 1 when it was not.
   *
   * @throws Exception if the server cannot start or the queues cannot be opened
   */
  static int run(DemoOptions o, PrintStream out) throws Exception {
    IdempotencyStore store = store(o, out);
    DemoServer server = server(o, store).start();
    CountDownLatch stopped = new CountDownLatch(1);
    try {
      if (o.serve()) {
        Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "demo-shutdown"));
        out.println("Closed Loop Sync demo: open " + server.uri("/") + " in two windows, and "
            + server.uri("/status.html") + " to watch the counters (Ctrl-C stops).");
      }
      int status = 0;
      if (o.mutations() > 0) {
        ChaosRun.Report report = new ChaosRun(o, out).run(server);
        status = report.exactlyOnce() ? 0 : 1;
      }
      if (o.serve()) {
        stopped.await();
      }
      return status;
    } finally {
      server.close();
      if (store instanceof AutoCloseable) {
        ((AutoCloseable) store).close();
      }
    }
  }

  /** The fault injector for a run: the rate split over drops, cut answers, 503s and delays. */
  static FaultInjectionFilter faults(double rate, long seed) {
    return FaultInjectionFilter.builder()
        .enabled(rate > 0)
        .dropRate(rate * 0.35)
        .cutRate(rate * 0.15)
        .unavailableRate(rate * 0.35)
        .delayRate(rate * 0.15)
        .delay(Duration.ofMillis(300))
        .retryAfter(Duration.ofSeconds(1))
        .random(RandomSource.seeded(seed))
        .build();
  }

  /** Builds the server the options describe (not started). */
  static DemoServer server(DemoOptions o, IdempotencyStore store) {
    return DemoServer.builder()
        .port(o.effectivePort())
        .store(store)
        .faults(faults(o.faultRate(), o.seed()))
        .smsGateway(o.faultRate() / 3, 0, Duration.ZERO)
        .random(RandomSource.seeded(o.seed() + 1))
        .build();
  }

  static IdempotencyStore store(DemoOptions o, PrintStream out) {
    if (!o.redis()) {
      return dev.closedloop.sync.idempotency.InMemoryIdempotencyStore.ofDefaults();
    }
    String prefix = "demo:" + UUID.randomUUID() + ":";
    RedisIdempotencyStore store = Backends.redisStore(o.redisUrl(), prefix);
    out.println("idempotency store: Redis at " + o.redisUrl() + " (keys under " + prefix + ")");
    out.println("realtime bus: in-process (a Redis bus is not in this build yet; one node needs none)");
    return store;
  }
}
