package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 5: a request that announces {@code Expect: 100-continue} with a {@code
 * Content-Length} over the limit is refused with 413 before anything is read, at the socket
 * level: the client never receives {@code 100 Continue}, so it never uploads the body.
 */
class IdempotencyFilterExpectContinueTest {
  private final OrdersServlet app = new OrdersServlet();
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void oversizeBodyAnnouncedWithExpectContinueIs413WithoutA100Continue() throws Exception {
    IdempotencyFilter filter = IdempotencyFilter.builder().build();
    server = TestServer.start(context -> {
      filter.register(context.getServletContext(), "/*");
      context.addServlet(new ServletHolder(app), "/*");
    });
    URI uri = server.uri("/orders");
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), uri.getPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nIdempotency-Key: k-expect\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + (2 * 1024 * 1024) + "\r\n"
          + "Expect: 100-continue\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush(); // and nothing more: a client that asked waits for 100 Continue before the body
      InputStream in = socket.getInputStream();
      String status = line(in);
      assertThat(status).as("the first line the client receives").startsWith("HTTP/1.1 413");
      StringBuilder head = new StringBuilder();
      for (String l = line(in); !l.isEmpty(); l = line(in)) {
        head.append(l).append('\n');
      }
      assertThat(head.toString().toLowerCase()).contains("content-type: application/problem+json")
          .contains("connection: close");
    }
    assertThat(app.totalCalls()).isZero();
    assertThat(filter.stats().rejected()).isEqualTo(1);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }
}
