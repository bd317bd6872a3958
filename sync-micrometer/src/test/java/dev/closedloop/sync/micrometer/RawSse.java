package dev.closedloop.sync.micrometer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A raw SSE client over a socket: HTTP/1.0, so the stream is unframed; reads one frame at a time. */
final class RawSse implements AutoCloseable {
  /** One SSE frame: its event name (or "comment") and data. */
  record Frame(String event, String id, String data) {}

  private final Socket socket;
  private final BufferedReader in;
  final String status;

  RawSse(int receiveBuffer, int port, String pathAndQuery, String... headers) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    socket.setSoTimeout(10_000);
    StringBuilder req = new StringBuilder("GET " + pathAndQuery + " HTTP/1.0\r\nHost: 127.0.0.1\r\n");
    for (String h : headers) {
      req.append(h).append("\r\n");
    }
    req.append("\r\n");
    OutputStream out = socket.getOutputStream();
    out.write(req.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
    in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    status = in.readLine();
    String line;
    while ((line = in.readLine()) != null && !line.isEmpty()) {
      // response headers
    }
  }

  /** Reads the next frame that is not a comment. */
  Frame next() throws IOException {
    String event = "message";
    String id = "";
    StringBuilder data = new StringBuilder();
    boolean any = false;
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isEmpty()) {
        if (any) {
          return new Frame(event, id, data.toString());
        }
        continue;
      }
      if (line.startsWith(":")) {
        continue;
      }
      any = true;
      if (line.startsWith("event: ")) {
        event = line.substring(7);
      } else if (line.startsWith("id: ")) {
        id = line.substring(4);
      } else if (line.startsWith("data: ")) {
        data.append(line.substring(6));
      }
    }
    throw new IOException("the stream ended");
  }

  /** Drops the connection at once (RST), as a client that vanished. */
  void abort() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
