package dev.closedloop.sync.servlet;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** A blocking one-connection SSE reader over a raw socket (HTTP/1.0, so the body is not chunked). */
final class RawSse implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final ArrayDeque<SseFrame> frames = new ArrayDeque<>();
  private final FrameAssembler assembler = new FrameAssembler(frames::add);
  private final byte[] buf = new byte[8192];
  private boolean eof;

  RawSse(int port, String pathAndQuery, String... headers) throws IOException {
    this(0, port, pathAndQuery, headers);
  }

  /** Opens a connection whose receive buffer is {@code receiveBuffer} bytes (0: the default). */
  RawSse(int receiveBuffer, int port, String pathAndQuery, String... headers) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    socket.setSoTimeout(10_000);
    StringBuilder req = new StringBuilder("GET " + pathAndQuery + " HTTP/1.0\r\nHost: 127.0.0.1\r\n");
    for (String h : headers) {
      req.append(h).append("\r\n");
    }
    req.append("\r\n");
    OutputStream out = socket.getOutputStream();
    out.write(req.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
    in = socket.getInputStream();
  }

  /** Reads until the headers are complete and returns them (status line first). */
  String head() throws IOException {
    while (!assembler.inBody() && !eof) {
      fill();
    }
    return assembler.head();
  }

  /** Returns the next frame, reading as needed; null at end of stream. */
  SseFrame next() throws IOException {
    while (frames.isEmpty() && !eof) {
      fill();
    }
    return frames.poll();
  }

  /** Returns the next frame that is not a comment. */
  SseFrame nextEvent() throws IOException {
    SseFrame f;
    do {
      f = next();
    } while (f != null && f.isComment());
    return f;
  }

  /** Returns the next {@code n} non-comment frames. */
  List<SseFrame> events(int n) throws IOException {
    List<SseFrame> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SseFrame f = nextEvent();
      if (f == null) {
        throw new IOException("stream ended after " + i + " of " + n + " events");
      }
      out.add(f);
    }
    return out;
  }

  /** Reads to the end of the stream (the server closed it); returns the frames left. */
  List<SseFrame> drainToEnd() throws IOException {
    List<SseFrame> out = new ArrayList<>();
    SseFrame f;
    while ((f = next()) != null) {
      out.add(f);
    }
    return out;
  }

  boolean atEnd() {
    return eof;
  }

  private void fill() throws IOException {
    int n;
    try {
      n = in.read(buf);
    } catch (SocketTimeoutException e) {
      throw new IOException("no data within 10 s", e);
    } catch (IOException reset) {
      n = -1;
    }
    if (n < 0) {
      eof = true;
      return;
    }
    assembler.feed(buf, 0, n);
  }

  /** Closes abruptly with a TCP reset. */
  void abort() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
