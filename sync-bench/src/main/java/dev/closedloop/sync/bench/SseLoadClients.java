package dev.closedloop.sync.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many SSE connections on a few threads: each thread owns a selector and every {@code threads}th
 * connection, opens them itself (non-blocking connects, at most {@link #CONNECT_WINDOW} in flight
 * per thread, so the server's accept queue never overflows), then reads them. The source address
 * of connection {@code i} is {@code 127.0.0.(firstAddress + i / perAddress)}: one address has
 * only about 28,000 ephemeral ports, several give as many connections as file descriptors allow.
 * A caller gives each set of clients fresh addresses: the server ends streams first, so it holds
 * the closed connections in TIME_WAIT, and a new connection from an old address and port would
 * meet one of them.
 *
 * <p>Parsing is minimal and allocation-free: the HTTP/1.0 head is skipped up to its blank line
 * (HTTP/1.0, so the stream is not chunked), then SSE lines are scanned byte by byte; of an
 * {@code id:} line only the number after its last colon is kept (the cursor {@code fanout:N}
 * names the event without parsing the JSON). A blank line ends a frame: the first frame of a
 * connection is its {@code subscribed} frame; every later frame with an id is an event, whose
 * arrival time (the thread's {@link System#nanoTime()} once the frame is complete) is stored
 * per connection. Comments ({@code : keep-alive}) have no id and are ignored.
 *
 * <p>Concurrency: each connection is touched by its thread only; the counters are atomics, and a
 * reader writes {@link #arrivedAt} before it increments {@link #received}, so a thread that sees
 * the count sees the times.
 *
 * <p>This class is threadsafe.
 */
final class SseLoadClients implements AutoCloseable {
  static final int CONNECT_WINDOW = 256;

  final AtomicLong subscribed = new AtomicLong();
  final AtomicLong received = new AtomicLong();
  final AtomicLong outOfOrder = new AtomicLong();
  final AtomicLong endedByServer = new AtomicLong();
  final AtomicLong failedConnects = new AtomicLong();
  /** Arrival time of the newest event, per connection. */
  final long[] arrivedAt;
  /** Position of the newest event, per connection. */
  final long[] lastPosition;

  private final int count;
  private final Worker[] workers;
  private volatile boolean running = true;

  SseLoadClients(int port, String pathAndQuery, int count, int threads, int firstAddress, int perAddress)
      throws IOException {
    this.count = count;
    this.arrivedAt = new long[count];
    this.lastPosition = new long[count];
    byte[] request = ("GET " + pathAndQuery + " HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    InetSocketAddress server = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port);
    workers = new Worker[threads];
    for (int t = 0; t < threads; t++) {
      workers[t] = new Worker(t, threads, server, request, firstAddress, perAddress);
    }
    for (Worker w : workers) {
      w.thread.start();
    }
  }

  int count() {
    return count;
  }

  @Override
  public void close() {
    running = false;
    for (Worker w : workers) {
      w.selector.wakeup();
    }
    for (Worker w : workers) {
      try {
        w.thread.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private final class Worker {
    final Selector selector;
    final Thread thread;
    private final int first;
    private final int step;
    private final InetSocketAddress server;
    private final byte[] request;
    private final int firstAddress;
    private final int perAddress;
    private final List<SocketChannel> channels = new ArrayList<>();
    private int next;
    private int connecting;

    Worker(int first, int step, InetSocketAddress server, byte[] request, int firstAddress, int perAddress)
        throws IOException {
      this.first = first;
      this.step = step;
      this.server = server;
      this.request = request;
      this.firstAddress = firstAddress;
      this.perAddress = perAddress;
      this.next = first;
      this.selector = Selector.open();
      this.thread = new Thread(this::loop, "sse-load-client-" + first);
      this.thread.setDaemon(true);
    }

    private void loop() {
      ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
      byte[] bytes = new byte[64 * 1024];
      try {
        while (running) {
          openMore();
          selector.select(10);
          for (SelectionKey key : selector.selectedKeys()) {
            Conn c = (Conn) key.attachment();
            SocketChannel ch = (SocketChannel) key.channel();
            if (key.isValid() && key.isConnectable()) {
              connecting--;
              try {
                ch.finishConnect();
                ByteBuffer req = ByteBuffer.wrap(request);
                ch.write(req);
                if (req.hasRemaining()) {
                  throw new IOException("request not written at once");
                }
                key.interestOps(SelectionKey.OP_READ);
              } catch (IOException e) {
                failedConnects.incrementAndGet();
                key.cancel();
                ch.close();
              }
              continue;
            }
            if (!key.isValid() || !key.isReadable()) {
              continue;
            }
            int n;
            do {
              buf.clear();
              try {
                n = ch.read(buf);
              } catch (IOException e) {
                n = -1;
              }
              if (n > 0) {
                buf.flip();
                buf.get(bytes, 0, n);
                c.feed(bytes, n);
              }
            } while (n == buf.capacity());
            if (n < 0) {
              key.cancel();
              ch.close();
              endedByServer.incrementAndGet();
            }
          }
          selector.selectedKeys().clear();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        for (SocketChannel ch : channels) {
          try {
            ch.close();
          } catch (IOException ignored) {
            // closing anyway
          }
        }
        try {
          selector.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }

    private void openMore() throws IOException {
      while (connecting < CONNECT_WINDOW && next < count) {
        int index = next;
        next += step;
        SocketChannel ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        ch.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (firstAddress + index / perAddress)}), 0));
        channels.add(ch);
        if (ch.connect(server)) {
          ch.write(ByteBuffer.wrap(request));
          ch.register(selector, SelectionKey.OP_READ, new Conn(index));
        } else {
          connecting++;
          ch.register(selector, SelectionKey.OP_CONNECT, new Conn(index));
        }
      }
    }
  }

  /** One connection's parser state; see the class comment. */
  private final class Conn {
    private final int index;
    private boolean inBody;
    private int lastFour; // the last four bytes of the HTTP head
    private int lineLength;
    private boolean idLine;
    private long number;
    private boolean hasId;
    private boolean seenSubscribed;

    Conn(int index) {
      this.index = index;
    }

    void feed(byte[] bytes, int length) {
      for (int i = 0; i < length; i++) {
        byte b = bytes[i];
        if (!inBody) {
          lastFour = (lastFour << 8) | (b & 0xff);
          inBody = lastFour == 0x0d0a0d0a; // CR LF CR LF
          continue;
        }
        if (b == '\n') {
          if (lineLength == 0) {
            endFrame();
          } else if (idLine) {
            hasId = true;
          }
          lineLength = 0;
          idLine = false;
          continue;
        }
        lineLength++;
        if (lineLength <= 3) {
          idLine = lineLength == 3 ? idLine && b == ':' : (lineLength == 1 ? b == 'i' : idLine && b == 'd');
          if (lineLength == 3 && idLine) {
            number = 0;
          }
        } else if (idLine) {
          if (b >= '0' && b <= '9') {
            number = number * 10 + (b - '0');
          } else if (b == ':' || b == ',') {
            number = 0;
          }
        }
      }
    }

    private void endFrame() {
      long now = System.nanoTime();
      if (!seenSubscribed) {
        seenSubscribed = true;
        lastPosition[index] = number;
        subscribed.incrementAndGet();
      } else if (hasId) {
        if (number != lastPosition[index] + 1) {
          outOfOrder.incrementAndGet();
        }
        lastPosition[index] = number;
        arrivedAt[index] = now;
        received.incrementAndGet();
      }
      hasId = false;
    }
  }
}
