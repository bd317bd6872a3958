package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.servlet.ServletContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Jakarta REST on a servlet container needs nothing of its own: Jersey 3.1 (Jakarta EE 10) runs
 * as a servlet on Jetty 12, and the filter in front of it applies each keyed request once. The
 * resource reads the key from the servlet request Jersey injects.
 */
class IdempotencyFilterJerseyTest {
  static final AtomicInteger RUNS = new AtomicInteger();

  /** A Jakarta REST resource, unaware of the filter except for reading the key. */
  @Path("/orders")
  public static class OrdersResource {
    @Context
    HttpServletRequest request;

    @POST
    @Consumes(MediaType.TEXT_PLAIN)
    @Produces(MediaType.APPLICATION_JSON)
    public Response create(String item) throws InterruptedException {
      RUNS.incrementAndGet();
      Thread.sleep(50); // keep the first run in progress while the repeats arrive
      String id = UUID.randomUUID().toString();
      String key = IdempotencyFilter.currentKey(request).map(IdempotencyKey::clientKey).orElse("none");
      return Response.created(URI.create("/api/orders/" + id))
          .entity("{\"id\":\"" + id + "\",\"item\":\"" + item + "\",\"key\":\"" + key + "\"}").build();
    }
  }

  private Server server;
  private int port;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    RUNS.set(0);
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    ServletHolder jersey = new ServletHolder(new ServletContainer(new ResourceConfig(OrdersResource.class)));
    context.addServlet(jersey, "/api/*");
    IdempotencyFilter.builder()
        .store(InMemoryIdempotencyStore.ofDefaults())
        .requireKey("/api/*")
        .inProgressWait(Duration.ofSeconds(30))
        .build()
        .register(context.getServletContext(), "/api/*");
    server.setHandler(context);
    server.start();
    port = connector.getLocalPort();
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  @Test
  void sixteenConcurrentPostsWithOneKeyRunTheResourceOnceAndReplayItsBytes() throws Exception {
    String key = UUID.randomUUID().toString();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Future<HttpResponse<String>>> futures = new ArrayList<>();
    try {
      for (int i = 0; i < 16; i++) {
        futures.add(pool.submit(() -> {
          go.await();
          return http.send(post(key, "tea"), HttpResponse.BodyHandlers.ofString());
        }));
      }
      go.countDown();
      List<HttpResponse<String>> responses = new ArrayList<>();
      for (Future<HttpResponse<String>> f : futures) {
        responses.add(f.get(60, TimeUnit.SECONDS));
      }
      assertThat(RUNS.get()).isEqualTo(1);
      String body = responses.get(0).body();
      assertThat(body).contains("\"key\":\"" + key + "\"");
      long replays = responses.stream().filter(r -> r.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER).isPresent()).count();
      assertThat(replays).isEqualTo(15);
      for (HttpResponse<String> r : responses) {
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(r.body()).isEqualTo(body);
        assertThat(r.headers().firstValue("Location")).isEqualTo(responses.get(0).headers().firstValue("Location"));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aMissingKeyIs400BeforeJerseyAndAnotherBodyUnderTheKeyIs422() throws Exception {
    HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/orders"))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("tea")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(missing.body()).contains(IdempotencyFilter.PROBLEM_KEY_MISSING);
    String key = UUID.randomUUID().toString();
    assertThat(http.send(post(key, "tea"), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(201);
    assertThat(http.send(post(key, "coffee"), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(422);
    assertThat(RUNS.get()).isEqualTo(1);
  }

  private HttpRequest post(String key, String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/orders"))
        .header("Content-Type", "text/plain")
        .header("Idempotency-Key", key)
        .timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }
}
