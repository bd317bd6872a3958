package dev.closedloop.sync.bench;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.servlet.RealtimeSseServlet;
import dev.closedloop.sync.time.Ticker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * SSE fan-out, measured end to end (not JMH): an embedded Jetty 12 serving {@link
 * RealtimeSseServlet} over an {@link InProcessRealtimeBus} (both with their defaults) on
 * 127.0.0.1; {@code clients} SSE connections to one topic, all read by one NIO selector thread in
 * the same JVM; then {@code events} events published one after the other. For each delivery the
 * time from just before {@code publish} to the moment the reader has parsed the frame goes into
 * an HdrHistogram (3 significant digits); reported are p50, p90, p99 and max over all {@code
 * clients × events} deliveries, and how many arrived.
 *
 * <pre>
 * java -cp sync-bench/target/benchmarks.jar dev.closedloop.sync.bench.SseFanOut \
 *     [--clients 1000] [--events 1000] [--interval-ms 0]
 * </pre>
 *
 * <p>By default the run is closed-loop: the next event is published once every client has the
 * previous one, so each latency is that of fanning one event out to every client (the last
 * client's delivery is the slowest), not of a backlog. {@code --interval-ms N} publishes one
 * event every N ms instead, whether or not the clients keep up: 1,000 clients at one event per
 * 10 ms are 100,000 frames a second through loopback, written and read on the same 2 cores, and
 * past the machine's capacity the latencies measure the backlog.
 *
 * <p>This class is not threadsafe; it is a program.
 */
public final class SseFanOut {
  private SseFanOut() {}

  /** What a run measured; latencies in nanoseconds. */
  record Result(int clients, int events, long intervalMillis, long p50, long p90, long p99, long max,
      long received, long expected, double seconds) {

    String describe() {
      return String.format(Locale.ROOT,
          "SSE fan-out: %,d clients × %,d events (%s): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms,"
              + " max %.2f ms; %,d of %,d deliveries in %.1f s",
          clients, events, intervalMillis == 0 ? "closed loop" : "one every " + intervalMillis + " ms", p50 / 1e6, p90 / 1e6, p99 / 1e6, max / 1e6, received, expected, seconds);
    }

    String json() {
      return String.format(Locale.ROOT,
          "{\"clients\":%d,\"events\":%d,\"intervalMillis\":%d,\"p50Nanos\":%d,\"p90Nanos\":%d,"
              + "\"p99Nanos\":%d,\"maxNanos\":%d,\"received\":%d,\"expected\":%d,\"seconds\":%.3f}%n",
          clients, events, intervalMillis, p50, p90, p99, max, received, expected, seconds);
    }
  }

  /**
   * Runs the measurement.
   *
   * @param args {@code --clients N}, {@code --events N}, {@code --interval-ms N}
   */
  public static void main(String[] args) throws Exception {
    int clients = 1000;
    int events = 1000;
    long interval = 0;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--clients":
          clients = Integer.parseInt(args[i + 1]);
          break;
        case "--events":
          events = Integer.parseInt(args[i + 1]);
          break;
        case "--interval-ms":
          interval = Long.parseLong(args[i + 1]);
          break;
        default:
          throw new IllegalArgumentException("unknown argument " + args[i]
              + "; usage: [--clients N] [--events N] [--interval-ms N]");
      }
    }
    System.out.println(run(clients, events, interval).describe());
  }

  static Result run(int clients, int events, long intervalMillis) throws Exception {
    Ticker ticker = Ticker.system();
    InProcessRealtimeBus bus = InProcessRealtimeBus.builder().build();
    RealtimeSseServlet servlet = RealtimeSseServlet.builder(bus).build();
    QueuedThreadPool pool = new QueuedThreadPool(64, 4);
    pool.setName("sse-fanout");
    Server server = new Server(pool);
    ServerConnector connector = new ServerConnector(server, 1, 1);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    connector.setAcceptQueueSize(2048);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    context.addServlet(new ServletHolder(servlet), "/sse");
    server.setHandler(context);
    server.start();
    long[] publishedAt = new long[events + 1];
    try (Readers readers = new Readers(connector.getLocalPort(), "/sse?topics=fanout", clients, publishedAt, ticker)) {
      long waitUntil = ticker.read() + TimeUnit.SECONDS.toNanos(60);
      while (readers.subscribed.get() < clients) {
        if (ticker.read() - waitUntil > 0) {
          throw new IllegalStateException("only " + readers.subscribed.get() + " of " + clients + " subscribed in 60 s");
        }
        Thread.sleep(10); // a program waiting for sockets, not a test making time pass
      }
      long start = ticker.read();
      long expected = (long) clients * events;
      for (int n = 1; n <= events; n++) {
        publishedAt[n] = ticker.read();
        long position = bus.publish(ChangeDraft.broadcast("fanout", "{\"n\":" + n + "}"));
        if (position != n) {
          throw new IllegalStateException("event " + n + " got position " + position);
        }
        if (intervalMillis > 0) {
          long next = start + TimeUnit.MILLISECONDS.toNanos(intervalMillis * n);
          long sleep = next - ticker.read();
          if (sleep > 0) {
            TimeUnit.NANOSECONDS.sleep(sleep);
          }
        } else {
          long target = (long) clients * n;
          while (readers.received.get() < target) {
            LockSupport.parkNanos(20_000); // not a spin: on 2 cores a spinning publisher starves the server
          }
        }
      }
      long deadline = ticker.read() + TimeUnit.SECONDS.toNanos(60);
      while (readers.received.get() < expected && ticker.read() - deadline < 0) {
        Thread.sleep(10);
      }
      double seconds = (ticker.read() - start) / 1e9;
      readers.close();
      Histogram h = readers.latencies;
      return new Result(clients, events, intervalMillis, h.getValueAtPercentile(50), h.getValueAtPercentile(90),
          h.getValueAtPercentile(99), h.getMaxValue(), h.getTotalCount(), expected, seconds);
    } finally {
      server.stop();
      bus.close();
    }
  }

  /** Writes a result as one line of JSON. */
  static void writeJson(Result r, Path file) throws IOException {
    Files.writeString(file, r.json(), StandardCharsets.UTF_8);
  }

  /**
   * The clients: one selector thread reading every connection. It parses just enough SSE (LF line
   * ends, as the servlet writes them): the {@code id:} of each frame is the cursor {@code
   * fanout:N}, so N says which event arrived without parsing its JSON.
   */
  static final class Readers implements AutoCloseable {
    final AtomicInteger subscribed = new AtomicInteger();
    final AtomicLong received = new AtomicLong();
    /** Written by the reader thread only; read after {@link #close()} joins it. */
    final Histogram latencies = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
    private final Selector selector;
    private final List<SocketChannel> channels = new ArrayList<>();
    private final Thread reader;
    private final long[] publishedAt;
    private final Ticker ticker;
    private volatile boolean running = true;

    Readers(int port, String pathAndQuery, int count, long[] publishedAt, Ticker ticker) throws IOException {
      this.publishedAt = publishedAt;
      this.ticker = ticker;
      selector = Selector.open();
      byte[] request = ("GET " + pathAndQuery + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < count; i++) {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        ch.write(ByteBuffer.wrap(request));
        ch.configureBlocking(false);
        ch.register(selector, SelectionKey.OP_READ, new Frames());
        channels.add(ch);
      }
      reader = new Thread(this::loop, "sse-fanout-reader");
      reader.setDaemon(true);
      reader.start();
    }

    private void loop() {
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      try {
        while (running) {
          selector.select(100);
          for (SelectionKey key : selector.selectedKeys()) {
            SocketChannel ch = (SocketChannel) key.channel();
            Frames frames = (Frames) key.attachment();
            int n;
            do {
              buf.clear();
              try {
                n = ch.read(buf);
              } catch (IOException e) {
                n = -1;
              }
              if (n > 0) {
                frames.feed(buf.array(), n);
              }
            } while (n > 0);
            if (n < 0) {
              key.cancel();
              ch.close();
            }
          }
          selector.selectedKeys().clear();
        }
      } catch (IOException e) {
        throw new IllegalStateException("SSE reader failed", e);
      }
    }

    @Override
    public void close() throws IOException {
      running = false;
      selector.wakeup();
      try {
        reader.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      for (SocketChannel ch : channels) {
        ch.close();
      }
      selector.close();
    }

    /** One connection's parser: HTTP head, then SSE lines; a blank line ends a frame. */
    private final class Frames {
      private final ByteArrayOutputStream line = new ByteArrayOutputStream(128);
      private boolean inBody;
      private long position = -1;
      private boolean subscribedFrame;

      void feed(byte[] bytes, int len) {
        for (int i = 0; i < len; i++) {
          byte b = bytes[i];
          if (b != '\n') {
            line.write(b);
            continue;
          }
          onLine(line.toString(StandardCharsets.UTF_8));
          line.reset();
        }
      }

      private void onLine(String l) {
        if (!inBody) {
          inBody = l.isEmpty() || l.equals("\r");
          return;
        }
        if (l.isEmpty()) {
          if (subscribedFrame) {
            subscribed.incrementAndGet();
          } else if (position > 0 && position < publishedAt.length) {
            latencies.recordValue(Math.max(0, ticker.read() - publishedAt[(int) position]));
            received.incrementAndGet();
          }
          subscribedFrame = false;
          position = -1;
        } else if (l.startsWith("event: subscribed")) {
          subscribedFrame = true;
        } else if (l.startsWith("id: ")) {
          position = Long.parseLong(l.substring(l.lastIndexOf(':') + 1).trim());
        }
      }
    }
  }
}
