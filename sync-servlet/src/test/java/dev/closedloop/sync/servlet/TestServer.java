package dev.closedloop.sync.servlet;

import dev.closedloop.sync.servlet.testing.EmbeddedJetty;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Duration;
import java.util.EnumSet;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;

/** Embedded Jetty 12 on 127.0.0.1, an ephemeral port, and a client for it. */
final class TestServer implements AutoCloseable {
  static final String USER_HEADER = "X-Test-User";

  private final EmbeddedJetty jetty;
  private final int port;
  final HttpClient client;

  private TestServer(EmbeddedJetty jetty) {
    this.jetty = jetty;
    this.port = jetty.port();
    this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  /**
   * Starts a server whose context has a test authentication filter (the principal is the
   * {@value #USER_HEADER} header), then whatever {@code setup} adds.
   */
  static TestServer start(Consumer<ServletContextHandler> setup) throws Exception {
    return new TestServer(EmbeddedJetty.start(context -> {
      FilterHolder auth = new FilterHolder(new HeaderAuthentication());
      auth.setAsyncSupported(true);
      context.addFilter(auth, "/*", EnumSet.of(DispatcherType.REQUEST));
      setup.accept(context);
    }));
  }

  URI uri(String path) {
    return jetty.uri(path);
  }

  HttpResponse<byte[]> post(String path, String key, String body) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).header("Idempotency-Key", key)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  HttpResponse<byte[]> send(HttpRequest request) throws Exception {
    return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Sends raw bytes (for headers java.net.http refuses to send) and returns the status code. */
  int rawStatus(String requestHead, String body) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      byte[] payload = body.getBytes(StandardCharsets.UTF_8);
      String head = requestHead + "Host: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + payload.length + "\r\n\r\n";
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.write(payload);
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) != -1 && b != '\n') {
        line.write(b);
      }
      String status = line.toString(StandardCharsets.ISO_8859_1);
      return Integer.parseInt(status.split(" ")[1]);
    }
  }

  @Override
  public void close() {
    jetty.close();
  }

  /** Test authentication: the principal is the X-Test-User header, if any. */
  static final class HeaderAuthentication implements Filter {
    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      HttpServletRequest http = (HttpServletRequest) request;
      String user = http.getHeader(USER_HEADER);
      if (user == null) {
        chain.doFilter(request, response);
        return;
      }
      Principal principal = () -> user;
      chain.doFilter(new HttpServletRequestWrapper(http) {
        @Override
        public Principal getUserPrincipal() {
          return principal;
        }
      }, response);
    }
  }
}
