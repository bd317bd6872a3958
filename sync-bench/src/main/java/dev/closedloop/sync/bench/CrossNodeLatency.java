package dev.closedloop.sync.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.jdbc.PostgresRealtimeBus;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.redis.RedisRealtimeBus;
import dev.closedloop.sync.servlet.RealtimeSseServlet;
import dev.closedloop.sync.testkit.LocalRedisCluster;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * End-to-end latency across nodes: {@code publish} on node A's bus, to the moment an SSE client
 * of node B has the whole frame, through a shared bus: the Redis Streams bus (on the shared
 * Redis, or on a Redis Cluster of its own) and the PostgreSQL outbox bus. Closed loop: the next
 * event is published once the client has the previous one, so each number is one event's trip
 * with nothing queued in front of it.
 *
 * <pre>
 * java -cp sync-bench/target/benchmarks.jar dev.closedloop.sync.bench.CrossNodeLatency \
 *     [--events 10000] [--warmup 1000] [--buses redis,redis-cluster,postgres] \
 *     [--redis redis://127.0.0.1:6379] [--jdbc jdbc:postgresql://127.0.0.1:5432/test?user=postgres]
 * </pre>
 *
 * <p>The two nodes are two bus instances with their own connections (as two JVMs would have),
 * in this JVM so one clock times both ends: node A is only its bus; node B is its bus under
 * {@link RealtimeSseServlet} on embedded Jetty (127.0.0.1, an ephemeral port), both with their
 * defaults. The client is one HTTP/1.1 connection read by a plain socket: the time is read when
 * the blank line that ends the event's frame arrives. Keys and tables are the run's own (a fresh
 * Redis key prefix, a fresh PostgreSQL schema dropped at the end); the cluster is started from
 * the machine's {@code redis-server} and stopped at the end.
 *
 * <p>This class is not threadsafe; it is a program.
 */
public final class CrossNodeLatency {
  private static final String TOPIC = "xnode";
  /** The event's number in its data, {@code "i":n}, escaped or not inside the frame's JSON. */
  private static final Pattern SEQ = Pattern.compile("\\bi\\\\?\":(\\d+)");

  private CrossNodeLatency() {}

  /** One bus pair: what node A publishes on and what node B serves. */
  private interface Pair extends AutoCloseable {
    RealtimeBus nodeA();

    RealtimeBus nodeB();
  }

  /**
   * Runs the measurement.
   *
   * @param args see the class comment
   */
  public static void main(String[] args) throws Exception {
    run(args, new PrintStream(System.out, true, StandardCharsets.UTF_8));
  }

  /** Runs the measurement, prints the table to {@code out}, and returns each bus's histogram (ns). */
  static Map<String, Histogram> run(String[] args, PrintStream out) throws Exception {
    int events = 10_000;
    int warmup = 1_000;
    String buses = "redis,redis-cluster,postgres";
    String redis = "redis://127.0.0.1:6379";
    String jdbc = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--events" -> events = Integer.parseInt(args[i + 1]);
        case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
        case "--buses" -> buses = args[i + 1];
        case "--redis" -> redis = args[i + 1];
        case "--jdbc" -> jdbc = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    out.printf(Locale.ROOT, "cross-node latency, publish on A -> SSE frame complete at a client of B; %d events"
        + " (after %d unrecorded), closed loop, %d cores%n", events, warmup, Runtime.getRuntime().availableProcessors());
    out.println("| Bus | p50 | p90 | p99 | p99.9 | max | mean |");
    out.println("|---|---|---|---|---|---|---|");
    Map<String, Histogram> results = new LinkedHashMap<>();
    for (String bus : buses.split(",")) {
      try (Pair pair = open(bus.trim(), redis, jdbc)) {
        Histogram h = measure(pair, events, warmup);
        results.put(bus.trim(), h);
        out.printf(Locale.ROOT, "| %s | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms |%n", bus.trim(),
            ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
            ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), h.getMean() / 1e6);
      }
    }
    return results;
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static Pair open(String bus, String redis, String jdbc) throws Exception {
    String prefix = "cls-bench-xnode:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    switch (bus) {
      case "redis" -> {
        RedisRealtimeBus a = RedisRealtimeBus.builder().uri(redis).keyPrefix(prefix).clientName("cls-bench-a").build();
        RedisRealtimeBus b = RedisRealtimeBus.builder().uri(redis).keyPrefix(prefix).clientName("cls-bench-b").build();
        return pair(a, b, () -> deleteRedisKeys(redis, prefix));
      }
      case "redis-cluster" -> {
        LocalRedisCluster cluster = LocalRedisCluster.start(3, 1);
        String[] seeds = cluster.uris().toArray(new String[0]);
        RedisRealtimeBus a = RedisRealtimeBus.builder().clusterUris(seeds).keyPrefix(prefix).build();
        RedisRealtimeBus b = RedisRealtimeBus.builder().clusterUris(seeds).keyPrefix(prefix).build();
        return pair(a, b, cluster::close);
      }
      case "postgres" -> {
        String schema = "cls_bench_xnode_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = DriverManager.getConnection(jdbc); Statement s = c.createStatement()) {
          s.execute("CREATE SCHEMA " + schema);
        }
        HikariDataSource poolA = pool(jdbc, "cls-bench-a");
        HikariDataSource poolB = pool(jdbc, "cls-bench-b");
        PostgresRealtimeBus a = PostgresRealtimeBus.builder().dataSource(poolA).tableName(schema + ".outbox")
            .createSchema(true).listenerName("cls-bench-listen-a").build();
        PostgresRealtimeBus b = PostgresRealtimeBus.builder().dataSource(poolB).tableName(schema + ".outbox")
            .listenerName("cls-bench-listen-b").build();
        return pair(a, b, () -> {
          poolA.close();
          poolB.close();
          try (Connection c = DriverManager.getConnection(jdbc); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA " + schema + " CASCADE");
          }
        });
      }
      default -> throw new IllegalArgumentException("unknown bus " + bus + "; one of redis, redis-cluster, postgres");
    }
  }

  private static HikariDataSource pool(String jdbc, String name) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbc);
    config.setMaximumPoolSize(4);
    config.setPoolName(name);
    config.addDataSourceProperty("ApplicationName", name);
    return new HikariDataSource(config);
  }

  private static void deleteRedisKeys(String redis, String prefix) {
    RedisClient client = RedisClient.create(redis);
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      List<String> keys = c.sync().keys(prefix + "*"); // the run's own few keys
      if (!keys.isEmpty()) {
        c.sync().del(keys.toArray(new String[0]));
      }
    } finally {
      client.shutdown();
    }
  }

  @FunctionalInterface
  private interface Cleanup {
    void run() throws Exception;
  }

  private static Pair pair(RealtimeBus a, RealtimeBus b, Cleanup cleanup) {
    return new Pair() {
      @Override
      public RealtimeBus nodeA() {
        return a;
      }

      @Override
      public RealtimeBus nodeB() {
        return b;
      }

      @Override
      public void close() throws Exception {
        try {
          a.close();
          b.close();
        } finally {
          cleanup.run();
        }
      }
    };
  }

  /** Node B serves SSE over its bus; a client reads it; node A publishes, one event at a time. */
  private static Histogram measure(Pair pair, int events, int warmup) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    ServletHolder sse = new ServletHolder(RealtimeSseServlet.builder(pair.nodeB()).build());
    sse.setAsyncSupported(true);
    context.addServlet(sse, "/realtime");
    server.setHandler(context);
    server.start();
    LinkedBlockingQueue<long[]> arrivals = new LinkedBlockingQueue<>();
    try (Socket socket = new Socket()) {
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress("127.0.0.1", connector.getLocalPort()), 5_000);
      OutputStream o = socket.getOutputStream();
      o.write(("GET /realtime?topics=" + TOPIC + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      o.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      Thread reader = new Thread(() -> read(in, arrivals), "xnode-sse-client");
      reader.setDaemon(true);
      reader.start();
      // the subscription is in place once node B counts it: a bus counts one from the moment where it
      // starts is fixed, so an event published after that reaches it
      long first = System.nanoTime();
      while (pair.nodeB().subscriptionCount() == 0) {
        if (System.nanoTime() - first > TimeUnit.SECONDS.toNanos(10)) {
          throw new IllegalStateException("the SSE client did not subscribe within 10 s");
        }
        Thread.sleep(5);
      }
      Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
      for (int i = 0; i < warmup + events; i++) {
        long start = System.nanoTime();
        pair.nodeA().publish(ChangeDraft.broadcast(TOPIC, "{\"i\":" + i + "}"));
        long[] got = arrivals.poll(30, TimeUnit.SECONDS);
        if (got == null) {
          throw new IllegalStateException("event " + i + " did not reach node B's client within 30 s");
        }
        if (got[0] != i) {
          throw new IllegalStateException("expected event " + i + ", got " + got[0]);
        }
        if (i >= warmup) {
          h.recordValue(Math.max(0, got[1] - start));
        }
      }
      return h;
    } finally {
      server.stop();
    }
  }

  /** Reads frames; for each event's data {@code {"i":n}} queues {n, nanoTime at the frame's end}. */
  private static void read(BufferedReader in, LinkedBlockingQueue<long[]> arrivals) {
    try {
      long seq = -1;
      for (String line; (line = in.readLine()) != null; ) {
        if (line.startsWith("data:")) {
          Matcher m = SEQ.matcher(line);
          if (m.find()) {
            seq = Long.parseLong(m.group(1));
          }
        } else if (line.isEmpty() && seq >= 0) {
          arrivals.add(new long[] {seq, System.nanoTime()});
          seq = -1;
        }
      }
    } catch (java.io.IOException closed) {
      // the run is over
    }
  }
}
