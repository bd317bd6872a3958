package dev.closedloop.sync.bench;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * SSE at scale, with the clients in another JVM than the server (not JMH, not a test). This JVM
 * holds the clients ({@link SseLoadClients}: a few NIO selector threads, connections bound to
 * 127.0.0.2, 127.0.0.3, … to pass the ephemeral-port limit of one address) and starts the
 * server ({@link SseLoadServer}) as a child JVM with {@code -Xmx512m}, through {@code bash -c
 * 'ulimit -n <fds> …; exec java …'} so that the child may hold as many sockets as the machine
 * allows. For each server mode ({@code lib}: {@code RealtimeSseServlet} with defaults; {@code
 * raw}: a servlet that writes one preformatted frame to every stream, the ceiling) it runs, in
 * one child each:
 *
 * <ol>
 *   <li>warm-up: 200 streams, 50 events, disconnected; then the heap baseline (after full GCs,
 *       read in the server by {@code MemoryMXBean});
 *   <li>{@code --clients} streams: time until all have their {@code subscribed} frame; heap per
 *       stream; then {@code --events} events, closed loop (the next one is published once every
 *       client has the previous one, after {@code --warmup} unrecorded ones): every delivery's
 *       latency from the server's clock read just before {@code publish} to the client's clock
 *       read when the frame is complete (both {@code CLOCK_MONOTONIC}, one clock per machine on
 *       Linux; checked at start);
 *   <li>{@code --small} streams × {@code --small-events} events the same way (the older
 *       1,000-client row);
 *   <li>{@code --idle} idle streams (capped to what both processes' file limits allow, reported):
 *       time to connect and heap per stream.
 * </ol>
 *
 * <pre>
 * java -cp sync-bench/target/benchmarks.jar dev.closedloop.sync.bench.SseLoad \
 *     [--modes lib,raw] [--clients 10000] [--events 200] [--warmup 20] [--small 1000]
 *     [--small-events 1000] [--idle 50000] [--client-threads 2] [--per-address 5000]
 *     [--fd-limit 200000] [--out FILE.json]
 * </pre>
 *
 * <p>This class is not threadsafe; it is a program.
 */
public final class SseLoad {
  private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
  private int clients = 10_000;
  private int events = 200;
  private int warmup = 20;
  private int small = 1_000;
  private int smallEvents = 1_000;
  private int idle = 50_000;
  private int clientThreads = 2;
  private int perAddress = 5_000;
  private int fdLimit = 200_000;
  private List<String> modes = List.of("lib", "raw");
  private Path jsonOut;
  private final List<String> json = new ArrayList<>();

  private SseLoad() {}

  /** Latencies and counts of one closed-loop phase; nanoseconds. */
  record Latency(String mode, int clients, int events, double connectSeconds, long p50, long p90, long p99, long max,
      long deliveries, long outOfOrder) {}

  /**
   * Runs the program.
   *
   * @param args see the class comment
   */
  public static void main(String[] args) throws Exception {
    SseLoad load = new SseLoad();
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--clients" -> load.clients = Integer.parseInt(v);
        case "--events" -> load.events = Integer.parseInt(v);
        case "--warmup" -> load.warmup = Integer.parseInt(v);
        case "--small" -> load.small = Integer.parseInt(v);
        case "--small-events" -> load.smallEvents = Integer.parseInt(v);
        case "--idle" -> load.idle = Integer.parseInt(v);
        case "--client-threads" -> load.clientThreads = Integer.parseInt(v);
        case "--per-address" -> load.perAddress = Integer.parseInt(v);
        case "--fd-limit" -> load.fdLimit = Integer.parseInt(v);
        case "--modes" -> load.modes = List.of(v.split(","));
        case "--out" -> load.jsonOut = Path.of(v);
        default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; see the Javadoc of SseLoad");
      }
    }
    load.run();
  }

  private void run() throws Exception {
    out.printf("SSE load: %s; %d cores; client JVM max fds %d; load average %s%n", modes,
        Runtime.getRuntime().availableProcessors(), maxFds(), loadAverage());
    for (String mode : modes) {
      runMode(mode);
    }
    out.printf("load average at the end: %s%n", loadAverage());
    if (jsonOut != null) {
      Files.writeString(jsonOut, "[\n" + String.join(",\n", json) + "\n]\n", StandardCharsets.UTF_8);
      out.println("wrote " + jsonOut);
    }
  }

  private void runMode(String mode) throws Exception {
    try (ServerProcess server = ServerProcess.start(mode, fdLimit)) {
      out.printf("[%s] server pid %d, port %d, max fds %d, load average %s%n", mode, server.process.pid(),
          server.port, server.maxFds, loadAverage());
      checkClock(server);
      closedLoop(server, mode, 200, 50, 10, false);
      long base = server.heapUsed();
      out.printf("[%s] heap baseline after warm-up: %.1f MiB%n", mode, base / 1048576.0);

      Latency big = closedLoop(server, mode, clients, events, warmup, true, base);
      report(big);
      Latency few = closedLoop(server, mode, small, smallEvents, warmup, false);
      report(few);

      long limit = Math.min(server.maxFds, maxFds()) - 1_000;
      int n = (int) Math.min(idle, limit);
      if (n < idle) {
        out.printf("[%s] idle run capped at %,d streams: the server may hold %d file descriptors, this JVM %d"
            + " (a process cannot raise its hard limit here)%n", mode, n, server.maxFds, maxFds());
      }
      try (SseLoadClients c = new SseLoadClients(server.port, "/sse?topics=" + SseLoadServer.TOPIC, n, clientThreads,
          perAddress)) {
        double seconds = connectAll(c);
        long used = server.heapUsed();
        double perStream = (used - base) / (double) n;
        out.printf("[%s] %,d idle streams: connected in %.1f s; heap %.1f MiB (of max 512 MiB), %.0f bytes per stream"
            + " over the baseline; load average %s%n", mode, n, seconds, used / 1048576.0, perStream, loadAverage());
        json.add(String.format(Locale.ROOT,
            "{\"mode\":\"%s\",\"phase\":\"idle\",\"streams\":%d,\"requested\":%d,\"connectSeconds\":%.3f,"
                + "\"heapUsedBytes\":%d,\"baselineBytes\":%d,\"bytesPerStream\":%.1f,\"loadAverage\":\"%s\"}",
            mode, n, idle, seconds, used, base, perStream, loadAverage()));
        disconnect(server, c);
      }
    }
  }

  private void checkClock(ServerProcess server) throws IOException {
    long before = System.nanoTime();
    long theirs = Long.parseLong(server.call("clock").split(" ")[1]);
    long after = System.nanoTime();
    if (theirs < before || theirs > after) {
      throw new IllegalStateException("the server's nanoTime " + theirs + " is not between ours " + before + " and "
          + after + ": the two JVMs do not share a clock, latencies across them would be meaningless");
    }
  }

  private Latency closedLoop(ServerProcess server, String mode, int n, int rounds, int unrecorded, boolean record)
      throws Exception {
    return closedLoop(server, mode, n, rounds, unrecorded, record, -1);
  }

  private Latency closedLoop(ServerProcess server, String mode, int n, int rounds, int unrecorded, boolean record,
      long heapBase) throws Exception {
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
    try (SseLoadClients c = new SseLoadClients(server.port, "/sse?topics=" + SseLoadServer.TOPIC, n, clientThreads,
        perAddress)) {
      double connectSeconds = connectAll(c);
      if (heapBase >= 0) {
        long used = server.heapUsed();
        double perStream = (used - heapBase) / (double) n;
        out.printf("[%s] %,d streams connected in %.1f s; heap %.1f MiB, %.0f bytes per stream over the baseline%n",
            mode, n, connectSeconds, used / 1048576.0, perStream);
        json.add(String.format(Locale.ROOT,
            "{\"mode\":\"%s\",\"phase\":\"connected\",\"streams\":%d,\"connectSeconds\":%.3f,\"heapUsedBytes\":%d,"
                + "\"baselineBytes\":%d,\"bytesPerStream\":%.1f}", mode, n, connectSeconds, used, heapBase, perStream));
      }
      for (int r = 1; r <= unrecorded + rounds; r++) {
        long target = c.received.get() + n;
        String[] reply = server.call("publish").split(" ");
        long publishedAt = Long.parseLong(reply[2]);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (c.received.get() < target) {
          if (System.nanoTime() - deadline > 0) {
            throw new IllegalStateException("[" + mode + "] event " + reply[1] + " reached " + (c.received.get()
                - target + n) + " of " + n + " clients in 60 s (" + c.endedByServer.get() + " ended by the server)");
          }
          LockSupport.parkNanos(50_000); // a program polling; short, so that it adds little idle time
        }
        if (r > unrecorded) {
          for (int i = 0; i < n; i++) {
            h.recordValue(Math.max(0, c.arrivedAt[i] - publishedAt));
          }
        }
      }
      Latency l = new Latency(mode, n, rounds, connectSeconds, h.getValueAtPercentile(50), h.getValueAtPercentile(90),
          h.getValueAtPercentile(99), h.getMaxValue(), h.getTotalCount(), c.outOfOrder.get());
      disconnect(server, c);
      return l;
    }
  }

  private double connectAll(SseLoadClients c) {
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(300);
    while (c.subscribed.get() < c.count()) {
      if (System.nanoTime() - deadline > 0 || c.failedConnects.get() > 0) {
        throw new IllegalStateException(c.subscribed.get() + " of " + c.count() + " streams subscribed, "
            + c.failedConnects.get() + " connects failed");
      }
      LockSupport.parkNanos(1_000_000);
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private void disconnect(ServerProcess server, SseLoadClients c) throws IOException {
    server.call("disconnect");
    c.close();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!server.call("open").equals("open 0") && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(50_000_000);
    }
  }

  private void report(Latency l) {
    String line = String.format(Locale.ROOT,
        "[%s] %,d clients × %,d events, closed loop: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms; %,d deliveries,"
            + " %d out of order; connected in %.1f s; load average %s",
        l.mode(), l.clients(), l.events(), l.p50() / 1e6, l.p90() / 1e6, l.p99() / 1e6, l.max() / 1e6, l.deliveries(),
        l.outOfOrder(), l.connectSeconds(), loadAverage());
    out.println(line);
    json.add(String.format(Locale.ROOT,
        "{\"mode\":\"%s\",\"phase\":\"latency\",\"clients\":%d,\"events\":%d,\"connectSeconds\":%.3f,\"p50Nanos\":%d,"
            + "\"p90Nanos\":%d,\"p99Nanos\":%d,\"maxNanos\":%d,\"deliveries\":%d,\"outOfOrder\":%d,\"loadAverage\":\"%s\"}",
        l.mode(), l.clients(), l.events(), l.connectSeconds(), l.p50(), l.p90(), l.p99(), l.max(), l.deliveries(),
        l.outOfOrder(), loadAverage()));
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static long maxFds() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
        ? unix.getMaxFileDescriptorCount() : -1;
  }

  /** The child JVM and its command channel. */
  private static final class ServerProcess implements AutoCloseable {
    final Process process;
    final int port;
    final long maxFds;
    private final BufferedReader replies;
    private final PrintStream commands;

    private ServerProcess(Process process) throws IOException {
      this.process = process;
      this.replies = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      this.commands = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
      String ready = readReply();
      String[] f = ready.split(" ");
      if (!f[0].equals("ready")) {
        throw new IllegalStateException("server said " + ready);
      }
      this.port = Integer.parseInt(f[1]);
      this.maxFds = Long.parseLong(f[2]);
    }

    static ServerProcess start(String mode, int fdLimit) throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder pb = new ProcessBuilder("bash", "-c",
          "ulimit -n " + fdLimit + " 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; exec \"$@\"", "bash",
          java, "-Xmx512m", "-cp", System.getProperty("java.class.path"), SseLoadServer.class.getName(), mode);
      pb.redirectError(ProcessBuilder.Redirect.INHERIT);
      return new ServerProcess(pb.start());
    }

    String call(String command) throws IOException {
      commands.println(command);
      return readReply();
    }

    long heapUsed() throws IOException {
      return Long.parseLong(call("heap").split(" ")[1]);
    }

    private String readReply() throws IOException {
      String line = replies.readLine();
      if (line == null) {
        throw new IllegalStateException("the server process ended");
      }
      return line;
    }

    @Override
    public void close() throws Exception {
      commands.println("quit");
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.toHandle().destroyForcibly();
      }
    }
  }
}
