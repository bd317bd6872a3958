package dev.closedloop.sync.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.spring.boot.app.OrdersApp;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The auto-configured application over real HTTP on a random port: the same scenarios on every
 * store and bus (memory, Redis, PostgreSQL), chosen by the subclass's properties.
 */
@SpringBootTest(classes = OrdersApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "closedloop.idempotency.paths=/api/*",
        "closedloop.idempotency.in-progress-wait=30s",
        "management.endpoints.web.exposure.include=prometheus",
        // Spring Boot 3.5's tests turn metrics export off unless told otherwise
        "spring.test.observability.auto-configure=true"})
@org.junit.jupiter.api.Timeout(120)
abstract class HttpTestBase {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Value("${local.server.port}")
  int port;

  @Autowired
  OrdersApp.Orders orders;

  @Autowired
  IdempotencyStore store;

  @Autowired
  IdempotencyFilter filter;

  /** The store the subclass configured. */
  abstract Class<? extends IdempotencyStore> expectedStore();

  /** The bus the subclass configured, as its toString starts. */
  abstract String expectedBus();

  @Test
  void theConfiguredStoreAndBusAreInUse(@Autowired dev.closedloop.sync.realtime.RealtimeBus bus) {
    assertThat(store).isInstanceOf(expectedStore());
    assertThat(bus.toString()).contains(expectedBus());
  }

  @Test
  void thirtyTwoConcurrentRequestsWithOneKeyRunTheControllerOnceAndAllGetTheSameBytes() throws Exception {
    String key = UUID.randomUUID().toString();
    int before = orders.runs.get();
    long conflictsBefore = store.stats().conflicts();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(32);
    List<Future<HttpResponse<byte[]>>> results = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      results.add(pool.submit(() -> {
        start.await();
        return HTTP.send(post("/api/orders", key, "espresso")
                .header("X-Hold-Until-Repeats", String.valueOf(conflictsBefore + 31)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
      }));
    }
    start.countDown();
    List<HttpResponse<byte[]>> responses = new ArrayList<>();
    try {
      for (Future<HttpResponse<byte[]>> f : results) {
        responses.add(f.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(orders.runs.get() - before).isEqualTo(1);
    byte[] first = responses.get(0).body();
    String location = responses.get(0).headers().firstValue("Location").orElseThrow();
    int replayed = 0;
    for (HttpResponse<byte[]> r : responses) {
      assertThat(r.statusCode()).isEqualTo(201);
      assertThat(r.body()).isEqualTo(first);
      assertThat(r.headers().firstValue("Location")).hasValue(location);
      if (r.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER).isPresent()) {
        replayed++;
      }
    }
    assertThat(replayed).isEqualTo(31);
    assertThat(new String(first, StandardCharsets.UTF_8)).contains("\"item\":\"espresso\"");

    HttpResponse<byte[]> later = HTTP.send(post("/api/orders", key, "espresso").build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(later.statusCode()).isEqualTo(201);
    assertThat(later.body()).isEqualTo(first);
    assertThat(later.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(orders.runs.get() - before).isEqualTo(1);
  }

  @Test
  void aKeyIsRequiredOnThePathsAndAnotherBodyUnderTheSameKeyIs422() throws Exception {
    int before = orders.runs.get();
    HttpResponse<String> missing = HTTP.send(HttpRequest.newBuilder(uri("/api/orders"))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("tea")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(missing.body()).contains(IdempotencyFilter.PROBLEM_KEY_MISSING);
    String key = UUID.randomUUID().toString();
    assertThat(HTTP.send(post("/api/orders", key, "tea").build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(201);
    HttpResponse<String> reused = HTTP.send(post("/api/orders", key, "coffee").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(reused.statusCode()).isEqualTo(422);
    assertThat(orders.runs.get() - before).isEqualTo(1);
  }

  @Test
  void theStreamDeliversTheChangeTheControllerPublishedWithItsKey() throws Exception {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    HttpResponse<InputStream> stream = HTTP.send(HttpRequest.newBuilder(uri("/events?topics=orders")).GET().build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
    Thread reader = new Thread(() -> readLines(stream.body(), lines), "sse-reader");
    reader.setDaemon(true);
    reader.start();
    try {
      awaitLine(lines, "event: subscribed");
      String key = UUID.randomUUID().toString();
      HttpResponse<String> created = HTTP.send(post("/api/orders", key, "latte").build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(created.statusCode()).isEqualTo(201);
      String id = created.body().substring(created.body().indexOf("\"id\":\"") + 6).substring(0, 36);
      String data = awaitLine(lines, id);
      assertThat(data).startsWith("data: ").contains("\"latte\"").contains(IdempotencyKey.digest(key));
    } finally {
      stream.body().close();
    }
  }

  @Test
  void prometheusListsTheMeters() throws Exception {
    HTTP.send(post("/api/orders", UUID.randomUUID().toString(), "mocha").build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> scrape = HTTP.send(HttpRequest.newBuilder(uri("/actuator/prometheus")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(scrape.statusCode()).as(() -> actuator()).isEqualTo(200);
    assertThat(scrape.body()).contains(
        "sync_idempotency_requests_total{",
        "sync_idempotency_stored_total{",
        "sync_idempotency_claims_seconds_count{",
        "sync_idempotency_store_claims_total{",
        "sync_realtime_published_total{",
        "sync_realtime_subscriptions{",
        "sync_sse_connections{",
        "sync_sse_events_sent_total{");
    assertThat(scrape.body()).containsPattern("sync_idempotency_requests_total\\{[^}]*outcome=\"first\"[^}]*\\} [1-9]");
  }

  @Test
  void aPreflightFromTheWebAppIsAnsweredWithTheAllowHeadersAndNeedsNoKey() throws Exception {
    long rejectedBefore = filter.stats().rejected();
    HttpResponse<String> preflight = HTTP.send(HttpRequest.newBuilder(uri("/api/orders"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", OrdersApp.WEB_ORIGIN)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type,idempotency-key")
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(preflight.statusCode()).isEqualTo(200);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(OrdersApp.WEB_ORIGIN);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElseThrow()).contains("POST");
    assertThat(lower(preflight.headers().allValues("Access-Control-Allow-Headers")))
        .contains("content-type", "idempotency-key");
    assertThat(filter.stats().rejected()).isEqualTo(rejectedBefore);

    String key = UUID.randomUUID().toString();
    HttpResponse<String> first = HTTP.send(post("/api/orders", key, "chai").header("Origin", OrdersApp.WEB_ORIGIN).build(),
        HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> replay = HTTP.send(post("/api/orders", key, "chai").header("Origin", OrdersApp.WEB_ORIGIN).build(),
        HttpResponse.BodyHandlers.ofString());
    for (HttpResponse<String> r : List.of(first, replay)) {
      assertThat(r.statusCode()).isEqualTo(201);
      assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue(OrdersApp.WEB_ORIGIN);
      assertThat(lower(r.headers().allValues("Access-Control-Expose-Headers")))
          .contains("idempotent-replayed", "retry-after", "location");
    }
    assertThat(replay.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");

    HttpResponse<InputStream> events = HTTP.send(HttpRequest.newBuilder(uri("/events?topics=orders"))
        .header("Origin", OrdersApp.WEB_ORIGIN).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = events.body()) {
      assertThat(events.statusCode()).isEqualTo(200);
      assertThat(events.headers().firstValue("Access-Control-Allow-Origin")).hasValue(OrdersApp.WEB_ORIGIN);
    }
  }

  private String actuator() {
    try {
      return HTTP.send(HttpRequest.newBuilder(uri("/actuator")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException | InterruptedException e) {
      return e.toString();
    }
  }

  private static List<String> lower(List<String> headerValues) {
    List<String> out = new ArrayList<>();
    for (String v : headerValues) {
      Arrays.stream(v.split(",")).map(s -> s.trim().toLowerCase(java.util.Locale.ROOT)).forEach(out::add);
    }
    return out;
  }

  HttpRequest.Builder post(String path, String key, String body) {
    return HttpRequest.newBuilder(uri(path))
        .header("Content-Type", "text/plain")
        .header("Idempotency-Key", key)
        .timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static void readLines(InputStream in, BlockingQueue<String> lines) {
    try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        lines.add(line);
      }
    } catch (IOException closed) {
      // the test closed the stream
    }
  }

  private static String awaitLine(BlockingQueue<String> lines, String containing) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(1, TimeUnit.SECONDS);
      if (line != null && line.contains(containing)) {
        return line;
      }
    }
    throw new AssertionError("no line containing " + containing + " within 30 s");
  }
}
