package dev.closedloop.sync.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.servlet.RealtimeSseServlet;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Embedded Jetty 12 (ee10) on 127.0.0.1: {@link FaultFilter} (outermost), the real {@link
 * IdempotencyFilter} on {@code /api/*}, an {@link Api} servlet that counts how often each key
 * reaches it, and a {@link RealtimeSseServlet} at {@code /sse} over an in-process bus.
 */
final class TestServer implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  final Server server;
  final ServerConnector connector;
  final FaultFilter faults = new FaultFilter();
  final IdempotencyFilter idempotency;
  final Api api = new Api();
  final InProcessRealtimeBus bus;

  TestServer(int port, InProcessRealtimeBus bus) throws Exception {
    this(port, bus, Duration.ZERO);
  }

  /** @param inProgressWait how long a repeat waits for the first request before the filter answers 409 */
  TestServer(int port, InProcessRealtimeBus bus, Duration inProgressWait) throws Exception {
    this.bus = bus;
    QueuedThreadPool pool = new QueuedThreadPool(200, 8);
    pool.setName("qtp-mutation-test");
    server = new Server(pool);
    connector = new ServerConnector(server, 1, 1);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    connector.setReuseAddress(true);
    server.addConnector(connector);
    ServletContextHandler ctx = new ServletContextHandler();
    ctx.setContextPath("/");
    ctx.addFilter(new FilterHolder(faults), "/*", EnumSet.of(DispatcherType.REQUEST));
    idempotency = IdempotencyFilter.builder().requireKey("/api/*").inProgressWait(inProgressWait).build();
    idempotency.register(ctx.getServletContext(), "/api/*");
    ctx.addServlet(new ServletHolder(api), "/api/*");
    ctx.addServlet(new ServletHolder(RealtimeSseServlet.builder(bus).retry(Duration.ZERO).build()), "/sse");
    ctx.addServlet(new ServletHolder(new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        resp.setStatus(204);
      }
    }), "/health");
    server.setHandler(ctx);
    server.start();
  }

  TestServer() throws Exception {
    this(0, InProcessRealtimeBus.builder().build());
  }

  int port() {
    return connector.getLocalPort();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port() + path);
  }

  @Override
  public void close() throws Exception {
    faults.releaseAll();
    api.releaseAll();
    server.stop();
  }

  /** What the handler of one request decides. */
  @FunctionalInterface
  interface Behaviour {
    void handle(HttpServletRequest req, HttpServletResponse resp, String key, JsonNode body) throws IOException;
  }

  /**
   * The application: every request that reaches it has passed the idempotency filter, so a key
   * counted twice is a double application.
   */
  final class Api extends HttpServlet {
    final Map<String, AtomicInteger> applied = new ConcurrentHashMap<>();
    final List<String> order = new CopyOnWriteArrayList<>();
    final Map<String, String> authorization = new ConcurrentHashMap<>();
    final AtomicInteger requests = new AtomicInteger();
    volatile Behaviour behaviour = TestServer.this::created;
    final java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      requests.incrementAndGet();
      String key = IdempotencyFilter.currentKey(req).map(k -> k.clientKey()).orElse("none");
      applied.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
      order.add(key);
      String auth = req.getHeader("Authorization");
      if (auth != null) {
        authorization.put(key, auth);
      }
      byte[] in = req.getInputStream().readAllBytes();
      JsonNode body = in.length == 0 ? JSON.nullNode() : JSON.readTree(in);
      behaviour.handle(req, resp, key, body);
    }

    void releaseAll() {
      released.countDown();
    }
  }

  /** The default behaviour: 201 with {@code {"id":..,"text":..,"key":..}}, and a change event. */
  void created(HttpServletRequest req, HttpServletResponse resp, String key, JsonNode body) throws IOException {
    String id = body.path("id").asText("?");
    String json = JSON.createObjectNode().put("id", id).put("text", body.path("text").asText("")).put("key", key)
        .toString();
    bus.publish(ChangeDraft.insert("items", id, json).withIdempotencyKey(key));
    write(resp, 201, "application/json", json);
  }

  static void write(HttpServletResponse resp, int status, String contentType, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    resp.setStatus(status);
    resp.setContentType(contentType);
    resp.setContentLength(b.length);
    resp.getOutputStream().write(b);
  }
}
