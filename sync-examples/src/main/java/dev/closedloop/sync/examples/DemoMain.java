package dev.closedloop.sync.examples;

import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.redis.RedisIdempotencyStore;
import dev.closedloop.sync.redis.RedisRealtimeBus;
import dev.closedloop.sync.time.RandomSource;
import java.io.PrintStream;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;

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
    int status = cli(args, System.out, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /**
   * Runs the command line and returns the exit status. {@code --help} (or {@code -h}) anywhere
   * prints the usage to {@code out} and runs nothing; a bad option prints what is wrong and the
   * usage to {@code err} and returns 2.
   */
  static int cli(String[] args, PrintStream out, PrintStream err) throws Exception {
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h")) {
        out.println(DemoOptions.USAGE);
        return 0;
      }
    }
    DemoOptions options;
    try {
      options = DemoOptions.parse(args);
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      err.println(DemoOptions.USAGE);
      return 2;
    }
    return run(options, out);
  }

  /**
   * Runs what {@code o} asks for and returns the exit status: 0 when the chaos run (if any) was
   * exactly-once, 1 when it was not.
   *
   * @throws Exception if the server cannot start or the queues cannot be opened
   */
  static int run(DemoOptions o, PrintStream out) throws Exception {
    String prefix = "demo:" + UUID.randomUUID() + ":";
    IdempotencyStore store = store(o, prefix, out);
    RealtimeBus bus = bus(o, prefix, out);
    DemoServer server = server(o, store, bus).start();
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
      if (bus != null) {
        bus.close();
      }
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
    return server(o, store, null);
  }

  /** Builds the server the options describe (not started), on {@code bus} if not null. */
  static DemoServer server(DemoOptions o, IdempotencyStore store, @Nullable RealtimeBus bus) {
    DemoServer.Builder b = DemoServer.builder();
    if (bus != null) {
      b.bus(bus);
    }
    return b
        .port(o.effectivePort())
        .store(store)
        .faults(faults(o.faultRate(), o.seed()))
        .smsGateway(o.faultRate() / 3, 0, Duration.ZERO)
        .random(RandomSource.seeded(o.seed() + 1))
        .build();
  }

  static IdempotencyStore store(DemoOptions o, PrintStream out) {
    return store(o, "demo:" + UUID.randomUUID() + ":", out);
  }

  static IdempotencyStore store(DemoOptions o, String prefix, PrintStream out) {
    if (!o.redis()) {
      return dev.closedloop.sync.idempotency.InMemoryIdempotencyStore.ofDefaults();
    }
    RedisIdempotencyStore store = Backends.redisStore(o.redisUrl(), prefix + "idem:");
    out.println("idempotency store: Redis at " + o.redisUrl() + " (keys under " + prefix + "idem:)");
    return store;
  }

  /** The Redis bus for {@code --redis}, or null for the server's own in-process bus. */
  static @Nullable RealtimeBus bus(DemoOptions o, String prefix, PrintStream out) {
    if (!o.redis()) {
      return null;
    }
    RedisRealtimeBus bus = Backends.redisBus(o.redisUrl(), prefix + "rt:");
    out.println("realtime bus: Redis streams at " + o.redisUrl() + " (keys under " + prefix + "rt:)");
    return bus;
  }
}
