package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 3: a replay carries the headers without which its stored bytes mean something
 * else ({@code Content-Encoding}, {@code Content-Language}), whether the handler compresses
 * itself or Jetty's {@link GzipHandler} compresses outside the filter.
 */
class IdempotencyFilterContentEncodingTest {
  private static final String TEXT = "order confirmed; ".repeat(40);

  private final AtomicInteger executions = new AtomicInteger();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Server server;
  private int port;

  private void start(boolean gzipOutside) throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    IdempotencyFilter.builder().build().register(context.getServletContext(), "/*");
    context.addServlet(new ServletHolder(new HttpServlet() {
      private static final long serialVersionUID = 1L;

      @Override
      protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        int n = executions.incrementAndGet();
        resp.setStatus(201);
        resp.setContentType("text/plain;charset=utf-8");
        resp.setHeader("Content-Language", "fr");
        byte[] body = (TEXT + n).getBytes(StandardCharsets.UTF_8);
        if (req.getRequestURI().equals("/self-gzip")) {
          resp.setHeader("Content-Encoding", "gzip");
          body = gzip(body);
        }
        resp.getOutputStream().write(body);
      }
    }), "/*");
    if (gzipOutside) {
      GzipHandler gzip = new GzipHandler();
      gzip.setMinGzipSize(0);
      gzip.addIncludedMethods("POST");
      gzip.setHandler(context);
      server.setHandler(gzip);
    } else {
      server.setHandler(context);
    }
    server.start();
    port = connector.getLocalPort();
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  private HttpResponse<byte[]> post(String path, String key) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Idempotency-Key", key).header("Accept-Encoding", "gzip")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** The body as the client reads it: decoded by its Content-Encoding. */
  private static String decoded(HttpResponse<byte[]> r) throws IOException {
    boolean gzipped = r.headers().firstValue("Content-Encoding").map(v -> v.equalsIgnoreCase("gzip")).orElse(false);
    byte[] bytes = gzipped ? new GZIPInputStream(new java.io.ByteArrayInputStream(r.body())).readAllBytes() : r.body();
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(out)) {
      g.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  @Test
  void handlerThatCompressesItselfIsReplayedWithItsContentEncoding() throws Exception {
    start(false);
    HttpResponse<byte[]> first = post("/self-gzip", "k-gzip");
    assertThat(first.headers().firstValue("Content-Encoding")).hasValue("gzip");
    HttpResponse<byte[]> replay = post("/self-gzip", "k-gzip");
    assertThat(replay.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(replay.headers().firstValue("Content-Encoding")).hasValue("gzip");
    assertThat(replay.headers().firstValue("Content-Language")).hasValue("fr");
    assertThat(decoded(replay)).isEqualTo(decoded(first)).isEqualTo(TEXT + 1);
    assertThat(executions).hasValue(1);
  }

  @Test
  void gzipHandlerOutsideTheFilterCompressesFirstResponsesAndReplaysAlike() throws Exception {
    start(true);
    HttpResponse<byte[]> first = post("/plain", "k-outside");
    assertThat(first.headers().firstValue("Content-Encoding")).hasValue("gzip");
    HttpResponse<byte[]> replay = post("/plain", "k-outside");
    assertThat(replay.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(replay.headers().firstValue("Content-Encoding")).hasValue("gzip");
    assertThat(decoded(replay)).isEqualTo(decoded(first)).isEqualTo(TEXT + 1);

    // the handler compresses itself under the GzipHandler too: compressed once, replayed alike
    HttpResponse<byte[]> self = post("/self-gzip", "k-both");
    HttpResponse<byte[]> selfReplay = post("/self-gzip", "k-both");
    assertThat(decoded(self)).isEqualTo(TEXT + 2);
    assertThat(decoded(selfReplay)).isEqualTo(TEXT + 2);
    assertThat(executions).hasValue(2);
  }
}
