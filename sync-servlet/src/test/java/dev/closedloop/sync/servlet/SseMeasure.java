package dev.closedloop.sync.servlet;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.time.Ticker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;

/**
 * Measures, not asserts. Run from the worktree root (after {@code mvn -o -q -pl sync-servlet -am
 * test-compile} and {@code mvn -o -q -pl sync-servlet dependency:build-classpath
 * -Dmdep.outputFile=/tmp/cp.txt}):
 *
 * <pre>
 * ulimit -n 20000
 * CP=sync-servlet/target/test-classes:sync-servlet/target/classes:sync-realtime/target/classes:sync-core/target/classes:$(cat /tmp/cp.txt)
 * java -cp $CP dev.closedloop.sync.servlet.SseMeasure latency 1000 200
 * java -Xmx1g -cp $CP dev.closedloop.sync.servlet.SseMeasure heap 10000
 * </pre>
 *
 * <p>{@code latency N R}: N SSE subscribers on one topic (one NIO reader thread in this JVM), R
 * rounds of one event each; reports publish-to-receive latency percentiles over N × R samples.
 * {@code heap N}: N idle SSE streams opened from a child JVM (so only the server side is in this
 * heap); reports heap used after full GCs before and after, per stream.
 */
public final class SseMeasure {
  private SseMeasure() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "latency" -> latency(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
      case "heap" -> heap(Integer.parseInt(args[1]));
      case "clients" -> clients(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
      default -> throw new IllegalArgumentException("latency N ROUNDS | heap N");
    }
  }

  private static void latency(int subscribers, int rounds) throws Exception {
    Ticker ticker = Ticker.system();
    try (InProcessRealtimeBus bus = InProcessRealtimeBus.create();
        SseTestServer server = new SseTestServer(RealtimeSseServlet.builder(bus).build())) {
      Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
      long[] publishedAt = new long[rounds + 2];
      AtomicInteger subscribed = new AtomicInteger();
      AtomicInteger received = new AtomicInteger();
      try (NioSseClients clients = new NioSseClients(server.port(), "/sse?topics=latency", subscribers, (i, f) -> {
        if (f.event().equals("subscribed")) {
          subscribed.incrementAndGet();
        } else if (!f.isComment()) {
          long p = Long.parseLong(f.id().substring(f.id().indexOf(':') + 1)); // cheaper than the JSON
          h.recordValue(ticker.read() - publishedAt[(int) p]);
          received.incrementAndGet();
        }
      })) {
        while (subscribed.get() < subscribers) {
          Thread.sleep(10); // a measurement main, not a test
        }
        for (int r = 1; r <= rounds + 1; r++) {
          if (r == 2) {
            h.reset(); // round 1 warms up
            received.set(0);
          }
          publishedAt[r] = ticker.read();
          bus.publish(ChangeDraft.update("latency", "k", "{\"round\":" + r + "}", null));
          int target = (r == 1 ? 1 : r - 1) * subscribers;
          while (received.get() < target) {
            Thread.onSpinWait();
          }
        }
      }
      System.out.printf("latency: %d subscribers x %d events: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms (%d samples)%n",
          subscribers, rounds, ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
          ms(h.getValueAtPercentile(99)), ms(h.getMaxValue()), h.getTotalCount());
    }
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static void heap(int streams) throws Exception {
    try (InProcessRealtimeBus bus = InProcessRealtimeBus.create();
        SseTestServer server = new SseTestServer(RealtimeSseServlet.builder(bus).build())) {
      // one stream first, so that every lazily loaded class is in the baseline
      try (RawSse warm = new RawSse(server.port(), "/sse?topics=idle")) {
        warm.nextEvent();
      }
      while (server.servlet.stats().openConnections() > 0) {
        bus.publish(ChangeDraft.broadcast("idle", null));
        Thread.sleep(50);
      }
      long before = usedHeapAfterGc();
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
          SseMeasure.class.getName(), "clients", String.valueOf(server.port()), String.valueOf(streams))
          .redirectErrorStream(true).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null && !line.equals("READY")) {
        System.out.println("child: " + line);
      }
      while (server.servlet.stats().openConnections() < streams) {
        Thread.sleep(50);
      }
      long after = usedHeapAfterGc();
      System.out.printf("heap: %d idle SSE streams (server side, %d subscriptions): %.1f MB before, %.1f MB after, %.0f bytes per stream%n",
          streams, bus.subscriptionCount(), before / 1e6, after / 1e6, (after - before) / (double) streams);
      child.getOutputStream().close();
      child.waitFor(30, TimeUnit.SECONDS);
      child.destroy();
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Child mode: opens {@code n} streams, prints READY once all are subscribed, exits at stdin EOF. */
  private static void clients(int port, int n) throws Exception {
    AtomicInteger subscribed = new AtomicInteger();
    try (NioSseClients c = new NioSseClients(port, "/sse?topics=idle", n, (i, f) -> {
      if (f.event().equals("subscribed")) {
        subscribed.incrementAndGet();
      }
    })) {
      while (subscribed.get() < n) {
        Thread.sleep(20);
      }
      System.out.println("READY");
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for the parent to close our stdin
      }
    }
  }

}
