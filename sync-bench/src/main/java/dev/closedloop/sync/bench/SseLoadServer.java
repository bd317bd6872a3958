package dev.closedloop.sync.bench;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.servlet.RealtimeSseServlet;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The server half of {@link SseLoad}: a JVM of its own that serves SSE on 127.0.0.1 and takes
 * one command per line on stdin, answering one line on stdout. Not run by hand: {@link SseLoad}
 * starts it as its child.
 *
 * <pre>
 * java -Xmx512m -cp benchmarks.jar dev.closedloop.sync.bench.SseLoadServer lib|raw
 * </pre>
 *
 * <ul>
 *   <li>{@code lib}: {@link RealtimeSseServlet} over an {@link InProcessRealtimeBus}, both with
 *       their defaults, on Jetty 12 with its defaults (one connector on 127.0.0.1, an accept
 *       queue of 4,096 so that a connect storm is not dropped by a backlog of 50).
 *   <li>{@code raw}: {@link RawSseFanoutServlet} on the same Jetty: the ceiling.
 * </ul>
 *
 * <p>Protocol: on start it prints {@code ready <port> <maxFds>}. Then {@code publish} answers
 * {@code published <position> <nanoTime>} (the {@link System#nanoTime()} read just before the
 * event was handed to the bus: on Linux this is {@code CLOCK_MONOTONIC}, the same clock in every
 * process of the machine, so the client compares it with its own reads); {@code clock} answers
 * {@code clock <nanoTime>}; {@code cpu} answers {@code cpu <nanos>}, the CPU time
 * this process has used (user and system, all threads: a cost that other load on the machine
 * does not inflate); {@code heap} runs full collections and answers {@code heap <used>
 * <committed> <max> <direct>} (the last: bytes of direct buffers, outside the heap); {@code open} answers {@code open <streams>}; {@code disconnect} ends every
 * stream from the server side and answers {@code disconnected <n>}; {@code quit} exits.
 *
 * <p>This class is not threadsafe; it is a program.
 */
public final class SseLoadServer {
  static final String TOPIC = "fanout";

  private SseLoadServer() {}

  /** What the two servers have in common, as the command loop sees them. */
  interface Target {
    /** Publishes one event; returns its position. */
    long publish();

    int open();

    int disconnect();
  }

  /**
   * Runs the server until {@code quit} or the end of stdin.
   *
   * @param args {@code lib} or {@code raw}
   */
  public static void main(String[] args) throws Exception {
    String mode = args.length == 0 ? "lib" : args[0];
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    connector.setAcceptQueueSize(4096);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    Target target;
    InProcessRealtimeBus bus = null;
    switch (mode) {
      case "lib" -> {
        InProcessRealtimeBus b = InProcessRealtimeBus.create();
        RealtimeSseServlet servlet = RealtimeSseServlet.builder(b).build();
        context.addServlet(new ServletHolder(servlet), "/sse");
        bus = b;
        target = new Target() {
          private long n;

          @Override
          public long publish() {
            n++;
            return b.publish(ChangeDraft.broadcast(TOPIC, "{\"n\":" + n + "}"));
          }

          @Override
          public int open() {
            return (int) servlet.stats().openConnections();
          }

          @Override
          public int disconnect() {
            return servlet.disconnectAll();
          }
        };
      }
      case "raw" -> {
        RawSseFanoutServlet raw = new RawSseFanoutServlet(Runtime.getRuntime().availableProcessors());
        context.addServlet(new ServletHolder(raw), "/sse");
        target = new Target() {
          @Override
          public long publish() {
            return raw.publish();
          }

          @Override
          public int open() {
            return raw.open();
          }

          @Override
          public int disconnect() {
            return raw.disconnectAll();
          }
        };
      }
      default -> throw new IllegalArgumentException("mode must be lib or raw: " + mode);
    }
    server.setHandler(context);
    server.start();
    out.println("ready " + connector.getLocalPort() + " " + maxFds());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    try {
      while ((line = in.readLine()) != null) {
        switch (line.strip()) {
          case "publish" -> {
            long t = System.nanoTime();
            long position = target.publish();
            out.println("published " + position + " " + t);
          }
          case "clock" -> out.println("clock " + System.nanoTime());
          case "cpu" -> out.println("cpu " + processCpuNanos());
          case "heap" -> {
            for (int i = 0; i < 3; i++) {
              System.gc();
              Thread.sleep(100); // let reference processing finish between collections
            }
            var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            long direct = 0;
            for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
              if (pool.getName().equals("direct")) {
                direct = pool.getMemoryUsed();
              }
            }
            out.println("heap " + heap.getUsed() + " " + heap.getCommitted() + " " + heap.getMax() + " " + direct);
          }
          case "open" -> out.println("open " + target.open());
          case "disconnect" -> out.println("disconnected " + target.disconnect());
          case "quit" -> {
            return;
          }
          default -> out.println("error unknown command " + line);
        }
      }
    } finally {
      server.stop();
      if (bus != null) {
        bus.close();
      }
    }
  }

  private static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime() : -1;
  }

  private static long maxFds() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
  }
}
