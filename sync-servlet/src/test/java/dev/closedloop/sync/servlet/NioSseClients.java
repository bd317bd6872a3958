package dev.closedloop.sync.servlet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many SSE connections read by one thread with a selector: a light test client for hundreds or
 * thousands of subscribers on two cores. Each connection's frames go to the handler, on the
 * reader thread, with the connection's index.
 */
final class NioSseClients implements AutoCloseable {
  interface Handler {
    void onFrame(int connection, SseFrame frame);
  }

  private final Selector selector;
  private final List<SocketChannel> channels = new ArrayList<>();
  private final Thread reader;
  private final AtomicInteger ended = new AtomicInteger();
  private volatile boolean running = true;

  NioSseClients(int port, String pathAndQuery, int count, Handler handler) throws IOException {
    selector = Selector.open();
    byte[] request =
        ("GET " + pathAndQuery + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < count; i++) {
      SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      ch.write(ByteBuffer.wrap(request));
      ch.configureBlocking(false);
      int index = i;
      ch.register(selector, SelectionKey.OP_READ, new FrameAssembler(f -> handler.onFrame(index, f)));
      channels.add(ch);
    }
    reader = new Thread(this::loop, "test-nio-sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** Returns how many connections the server has ended. */
  int ended() {
    return ended.get();
  }

  private void loop() {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    try {
      while (running) {
        selector.select(100);
        for (SelectionKey key : selector.selectedKeys()) {
          SocketChannel ch = (SocketChannel) key.channel();
          FrameAssembler a = (FrameAssembler) key.attachment();
          int n;
          do {
            buf.clear();
            try {
              n = ch.read(buf);
            } catch (IOException e) {
              n = -1;
            }
            if (n > 0) {
              a.feed(buf.array(), 0, n);
            }
          } while (n > 0);
          if (n < 0) {
            key.cancel();
            ch.close();
            ended.incrementAndGet();
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    running = false;
    selector.wakeup();
    try {
      reader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (SocketChannel ch : channels) {
      ch.close();
    }
    selector.close();
  }
}
