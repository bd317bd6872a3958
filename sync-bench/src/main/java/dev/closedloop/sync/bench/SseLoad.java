package dev.closedloop.sync.bench;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * allows. It starts one child per server mode ({@code lib}: {@code RealtimeSseServlet} with
 * defaults; {@code raw}: a servlet that writes one preformatted frame to every stream, the
 * ceiling) and runs each phase below on one server and then on the next, so that both see the
 * same machine load and their ratio means something on a shared machine:
 *
 * <ol>
 *   <li>warm-up: 200 streams, 50 events (fewer if the run is smaller), disconnected; then the heap baseline (after full GCs,
 *       read in the server by {@code MemoryMXBean});
 *   <li>{@code --clients} streams: time until all have their {@code subscribed} frame; heap per
 *       stream; then {@code --events} events, closed loop (the next one is published once every
 *       client has the previous one, after {@code --warmup} unrecorded ones): every delivery's
 *       latency from the server's clock read just before {@code publish} to the client's clock
 *       read when the frame is complete (both {@code CLOCK_MONOTONIC}, one clock per machine on
 *       Linux; checked at start), and the server process's CPU time over the recorded events per
 *       delivery (a cost that other load on a shared machine does not inflate);
 *   <li>{@code --small} streams × {@code --small-events} events the same way (the older
 *       1,000-client row);
 *   <li>the same again with {@code --stalled} more streams open that never read (each socket's
 *       receive buffer 4 KB, bound to an address of its own): the measured clients' latency
 *       beside the row before, and how many stalled streams the server had ended by the last
 *       event (a stream that stops reading is cut off once {@code maxBufferedBytes}, 1 MiB by
 *       default, is queued for it; until then it only fills its own queue);
 *   <li>{@code --idle} idle streams (capped to what both processes' file limits allow, reported):
 *       time to connect and heap per stream.
 * </ol>
 *
 * <pre>
 * java -cp sync-bench/target/benchmarks.jar dev.closedloop.sync.bench.SseLoad \
 *     [--modes lib,raw] [--clients 10000] [--events 200] [--warmup 20] [--small 1000]
 *     [--small-events 1000] [--stalled 10] [--idle 50000] [--client-threads 2] [--per-address 5000]
 *     [--fd-limit 200000] [--out FILE.json] [--histogram false] [--server-jvm-arg ARG]...
 * </pre>
 *
 * <p>{@code --histogram true} also prints, for the idle run, which classes the streams' heap
 * is made of: {@code jcmd <pid> GC.class_histogram} at the baseline and with every stream open,
 * the difference per stream, largest first. {@code --server-jvm-arg} (repeatable) adds an option
 * to the server JVMs, {@code {mode}} replaced by the mode: e.g. {@code
 * -XX:StartFlightRecording=filename=/tmp/{mode}.jfr,settings=profile} to profile them.
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
  private int stalled = 10;
  private int idle = 50_000;
  private int clientThreads = 2;
  private int perAddress = 5_000;
  private int fdLimit = 200_000;
  private List<String> modes = List.of("lib", "raw");
  private Path jsonOut;
  private boolean histogram;
  private int nextAddress = 2;
  private final List<String> serverJvmArgs = new ArrayList<>();
  private final List<String> json = new ArrayList<>();
  /** Streams the server had open after the last closed-loop phase's last event. */
  private int openAtEnd;

  private SseLoad() {}

  /** Latencies and counts of one closed-loop phase; nanoseconds. */
  record Latency(String mode, int clients, int events, double connectSeconds, long p50, long p90, long p99, long max,
      long deliveries, long outOfOrder, long serverCpuNanos) {

    /** Server CPU time per delivery, in nanoseconds (the whole process: Jetty, bus, kernel). */
    double cpuPerDelivery() {
      return serverCpuNanos / (double) deliveries;
    }
  }

  /**
   * Runs the program.
   *
   * @param args see the class comment
   */
  public static void main(String[] args) throws Exception {
    parse(args).run();
  }

  /** Returns a load configured by {@code args}; see the class comment. */
  static SseLoad parse(String... args) {
    SseLoad load = new SseLoad();
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--clients" -> load.clients = Integer.parseInt(v);
        case "--events" -> load.events = Integer.parseInt(v);
        case "--warmup" -> load.warmup = Integer.parseInt(v);
        case "--small" -> load.small = Integer.parseInt(v);
        case "--small-events" -> load.smallEvents = Integer.parseInt(v);
        case "--stalled" -> load.stalled = Integer.parseInt(v);
        case "--idle" -> load.idle = Integer.parseInt(v);
        case "--client-threads" -> load.clientThreads = Integer.parseInt(v);
        case "--per-address" -> load.perAddress = Integer.parseInt(v);
        case "--fd-limit" -> load.fdLimit = Integer.parseInt(v);
        case "--modes" -> load.modes = List.of(v.split(","));
        case "--out" -> load.jsonOut = Path.of(v);
        case "--histogram" -> load.histogram = Boolean.parseBoolean(v);
        case "--server-jvm-arg" -> load.serverJvmArgs.add(v);
        default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; see the Javadoc of SseLoad");
      }
    }
    return load;
  }

  /** Returns what the last {@link #run()} measured, one JSON object per row. */
  List<String> results() {
    return List.copyOf(json);
  }

  void run() throws Exception {
    out.printf("SSE load: %s; %d cores; client JVM max fds %d; load average %s%n", modes,
        Runtime.getRuntime().availableProcessors(), maxFds(), loadAverage());
    List<ServerProcess> servers = new ArrayList<>();
    try {
      for (String mode : modes) {
        ServerProcess server = ServerProcess.start(mode, fdLimit, serverJvmArgs);
        servers.add(server);
        out.printf("[%s] server pid %d, port %d, max fds %d%n", mode, server.process.pid(), server.port, server.maxFds);
        checkClock(server);
        closedLoop(server, Math.min(200, clients), Math.min(50, events), Math.min(10, warmup), -1);
        server.baseline = server.heapUsed();
        server.baselineDirect = server.direct;
        server.histogram = histogram ? classHistogram(server.process.pid()) : Map.of();
        out.printf("[%s] heap baseline after warm-up: %.1f MiB%n", mode, server.baseline / 1048576.0);
      }
      // phase by phase, each server in turn, so that both see the same machine load
      List<Latency> big = new ArrayList<>();
      for (ServerProcess server : servers) {
        big.add(report(closedLoop(server, clients, events, warmup, server.baseline)));
      }
      List<Latency> few = new ArrayList<>();
      for (ServerProcess server : servers) {
        few.add(report(closedLoop(server, small, smallEvents, warmup, -1)));
      }
      List<Latency> beside = new ArrayList<>();
      if (stalled > 0) {
        for (ServerProcess server : servers) {
          beside.add(withStalled(server));
        }
      }
      for (ServerProcess server : servers) {
        idle(server);
      }
      ratios(big);
      ratios(few);
      for (int i = 0; i < beside.size(); i++) {
        Latency with = beside.get(i);
        Latency without = few.get(i);
        out.printf("[%s] %,d clients beside %d stalled ÷ alone: p50 %.2f, p99 %.2f, max %.2f%n", with.mode(),
            with.clients(), stalled, with.p50() / (double) without.p50(), with.p99() / (double) without.p99(),
            with.max() / (double) without.max());
      }
    } finally {
      for (ServerProcess server : servers) {
        server.close();
      }
    }
    out.printf("load average at the end: %s%n", loadAverage());
    if (jsonOut != null) {
      Files.writeString(jsonOut, "[\n" + String.join(",\n", json) + "\n]\n", StandardCharsets.UTF_8);
      out.println("wrote " + jsonOut);
    }
  }

  private void ratios(List<Latency> rows) {
    if (rows.size() == 2) {
      Latency lib = rows.get(0);
      Latency raw = rows.get(1);
      out.printf("%s ÷ %s at %,d clients: p50 %.2f, p99 %.2f, max %.2f, server CPU per delivery %.2f%n", lib.mode(),
          raw.mode(), lib.clients(), lib.p50() / (double) raw.p50(), lib.p99() / (double) raw.p99(),
          lib.max() / (double) raw.max(), lib.cpuPerDelivery() / raw.cpuPerDelivery());
    }
  }

  private void idle(ServerProcess server) throws Exception {
    String mode = server.mode;
    long limit = Math.min(server.maxFds, maxFds()) - 1_000;
    int n = (int) Math.min(idle, limit);
    if (n < idle) {
      out.printf("[%s] idle run capped at %,d streams: the server may hold %d file descriptors, this JVM %d"
          + " (a process cannot raise its hard limit here)%n", mode, n, server.maxFds, maxFds());
    }
    try (SseLoadClients c = clients(server, n)) {
      double seconds = connectAll(c);
      long used = server.heapUsed();
      double perStream = (used - server.baseline) / (double) n;
      double directPerStream = (server.direct - server.baselineDirect) / (double) n;
      out.printf("[%s] %,d idle streams: connected in %.1f s; heap %.1f MiB (of max 512 MiB), %.0f bytes per stream"
          + " over the baseline; direct buffers %.1f MiB, %.0f bytes per stream; load average %s%n", mode, n, seconds,
          used / 1048576.0, perStream, server.direct / 1048576.0, directPerStream, loadAverage());
      json.add(String.format(Locale.ROOT,
          "{\"mode\":\"%s\",\"phase\":\"idle\",\"streams\":%d,\"requested\":%d,\"connectSeconds\":%.3f,"
              + "\"heapUsedBytes\":%d,\"baselineBytes\":%d,\"bytesPerStream\":%.1f,\"directBytes\":%d,"
              + "\"directBytesPerStream\":%.1f,\"loadAverage\":\"%s\"}",
          mode, n, idle, seconds, used, server.baseline, perStream, server.direct, directPerStream, loadAverage()));
      if (histogram) {
        printHistogramDiff(mode, server.histogram, classHistogram(server.process.pid()), n);
      }
      disconnect(server, c);
    }
  }

  /** Class name to {instances, bytes}, live objects only (the command runs a full GC). */
  private static Map<String, long[]> classHistogram(long pid) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("jcmd", String.valueOf(pid), "GC.class_histogram").redirectErrorStream(true).start();
    Map<String, long[]> classes = new HashMap<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        String[] f = line.trim().split("\\s+");
        if (f.length >= 4 && f[0].endsWith(":")) {
          classes.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
        }
      }
    }
    p.waitFor();
    return classes;
  }

  private void printHistogramDiff(String mode, Map<String, long[]> before, Map<String, long[]> after, int streams) {
    List<Map.Entry<String, long[]>> grown = new ArrayList<>();
    long total = 0;
    for (Map.Entry<String, long[]> e : after.entrySet()) {
      long[] b = before.getOrDefault(e.getKey(), new long[2]);
      long[] d = {e.getValue()[0] - b[0], e.getValue()[1] - b[1]};
      total += d[1];
      grown.add(Map.entry(e.getKey(), d));
    }
    grown.sort((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]));
    out.printf("[%s] heap per stream by class (jcmd GC.class_histogram), %.0f bytes in all:%n", mode, total / (double) streams);
    for (Map.Entry<String, long[]> e : grown.subList(0, Math.min(40, grown.size()))) {
      out.printf("  %7.1f B  %5.2f objects  %s%n", e.getValue()[1] / (double) streams, e.getValue()[0] / (double) streams,
          e.getKey());
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

  /** Runs one closed-loop phase; with {@code heapBase >= 0} also reports heap per stream. */
  private Latency closedLoop(ServerProcess server, int n, int rounds, int unrecorded, long heapBase) throws Exception {
    String mode = server.mode;
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
    try (SseLoadClients c = clients(server, n)) {
      double connectSeconds = connectAll(c);
      if (heapBase >= 0) {
        long used = server.heapUsed();
        double perStream = (used - heapBase) / (double) n;
        out.printf("[%s] %,d streams connected in %.1f s; heap %.1f MiB, %.0f bytes per stream over the baseline;"
            + " direct buffers %.1f MiB%n", mode, n, connectSeconds, used / 1048576.0, perStream,
            server.direct / 1048576.0);
        json.add(String.format(Locale.ROOT,
            "{\"mode\":\"%s\",\"phase\":\"connected\",\"streams\":%d,\"connectSeconds\":%.3f,\"heapUsedBytes\":%d,"
                + "\"baselineBytes\":%d,\"bytesPerStream\":%.1f}", mode, n, connectSeconds, used, heapBase, perStream));
      }
      long cpuStart = 0;
      for (int r = 1; r <= unrecorded + rounds; r++) {
        if (r == unrecorded + 1) {
          cpuStart = server.cpuNanos();
        }
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
      long cpu = server.cpuNanos() - cpuStart;
      openAtEnd = Integer.parseInt(server.call("open").split(" ")[1]);
      Latency l = new Latency(mode, n, rounds, connectSeconds, h.getValueAtPercentile(50), h.getValueAtPercentile(90),
          h.getValueAtPercentile(99), h.getMaxValue(), h.getTotalCount(), c.outOfOrder.get(), cpu);
      disconnect(server, c);
      return l;
    }
  }

  /**
   * Runs the small phase again while {@code --stalled} more streams are open and never read;
   * reports how many of them the server ended by the last event.
   */
  private Latency withStalled(ServerProcess server) throws Exception {
    if (nextAddress > 253) {
      nextAddress = 2;
    }
    String address = "127.0.0." + nextAddress++;
    List<Socket> stuck = new ArrayList<>();
    try {
      for (int i = 0; i < stalled; i++) {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096); // before connect, so that the window stays small
        s.bind(new InetSocketAddress(address, 0));
        s.connect(new InetSocketAddress("127.0.0.1", server.port), 10_000);
        s.getOutputStream().write(("GET /sse?topics=" + SseLoadServer.TOPIC + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        stuck.add(s); // and never read from again
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!server.call("open").equals("open " + stalled)) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("[" + server.mode + "] the stalled streams did not open: " + server.call("open"));
        }
        LockSupport.parkNanos(10_000_000);
      }
      out.printf("[%s] %d stalled streams open (receive buffer 4 KB, never read)%n", server.mode, stalled);
      Latency l = report(closedLoop(server, small, smallEvents, warmup, -1));
      int left = openAtEnd - small;
      out.printf("[%s] stalled streams the server had ended by the last event: %d of %d%n", server.mode,
          stalled - left, stalled);
      json.add(String.format(Locale.ROOT, "{\"mode\":\"%s\",\"phase\":\"stalled\",\"stalled\":%d,\"endedByServer\":%d}",
          server.mode, stalled, stalled - left));
      return l;
    } finally {
      for (Socket s : stuck) {
        s.close();
      }
    }
  }

  /** Opens {@code n} clients to {@code server} from source addresses no earlier clients used. */
  private SseLoadClients clients(ServerProcess server, int n) throws IOException {
    int addresses = (n + perAddress - 1) / perAddress;
    if (nextAddress + addresses > 254) {
      nextAddress = 2; // long ago: their TIME_WAIT (60 s) is over
    }
    SseLoadClients c = new SseLoadClients(server.port, "/sse?topics=" + SseLoadServer.TOPIC, n, clientThreads,
        nextAddress, perAddress);
    nextAddress += addresses;
    return c;
  }

  private double connectAll(SseLoadClients c) {
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(120);
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

  private Latency report(Latency l) {
    String line = String.format(Locale.ROOT,
        "[%s] %,d clients × %,d events, closed loop: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms; %,d deliveries,"
            + " %d out of order; server CPU %.2f µs per delivery; connected in %.1f s; load average %s",
        l.mode(), l.clients(), l.events(), l.p50() / 1e6, l.p90() / 1e6, l.p99() / 1e6, l.max() / 1e6, l.deliveries(),
        l.outOfOrder(), l.cpuPerDelivery() / 1e3, l.connectSeconds(), loadAverage());
    out.println(line);
    json.add(String.format(Locale.ROOT,
        "{\"mode\":\"%s\",\"phase\":\"latency\",\"clients\":%d,\"events\":%d,\"connectSeconds\":%.3f,\"p50Nanos\":%d,"
            + "\"p90Nanos\":%d,\"p99Nanos\":%d,\"maxNanos\":%d,\"deliveries\":%d,\"outOfOrder\":%d,"
            + "\"serverCpuNanosPerDelivery\":%.1f,\"loadAverage\":\"%s\"}",
        l.mode(), l.clients(), l.events(), l.connectSeconds(), l.p50(), l.p90(), l.p99(), l.max(), l.deliveries(),
        l.outOfOrder(), l.cpuPerDelivery(), loadAverage()));
    return l;
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
    final String mode;
    final int port;
    long baseline;
    long baselineDirect;
    /** Direct buffer bytes at the last {@link #heapUsed()}. */
    long direct;
    Map<String, long[]> histogram = Map.of();
    final long maxFds;
    private final BufferedReader replies;
    private final PrintStream commands;

    private ServerProcess(Process process, String mode) throws IOException {
      this.process = process;
      this.mode = mode;
      this.replies = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      this.commands = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
      String ready = readReply();
      while (!ready.startsWith("ready ")) { // a JVM option may print first (-XX:StartFlightRecording does)
        System.err.println("server: " + ready);
        ready = readReply();
      }
      String[] f = ready.split(" ");
      this.port = Integer.parseInt(f[1]);
      this.maxFds = Long.parseLong(f[2]);
    }

    static ServerProcess start(String mode, int fdLimit, List<String> jvmArgs) throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> command = new ArrayList<>(List.of("bash", "-c",
          "ulimit -n " + fdLimit + " 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; exec \"$@\"", "bash", java, "-Xmx512m"));
      for (String arg : jvmArgs) {
        command.add(arg.replace("{mode}", mode));
      }
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), SseLoadServer.class.getName(), mode));
      ProcessBuilder pb = new ProcessBuilder(command);
      pb.redirectError(ProcessBuilder.Redirect.INHERIT);
      return new ServerProcess(pb.start(), mode);
    }

    String call(String command) throws IOException {
      commands.println(command);
      return readReply();
    }

    long cpuNanos() throws IOException {
      return Long.parseLong(call("cpu").split(" ")[1]);
    }

    long heapUsed() throws IOException {
      String[] f = call("heap").split(" ");
      direct = Long.parseLong(f[4]);
      return Long.parseLong(f[1]);
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
