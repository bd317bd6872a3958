package dev.closedloop.sync.example.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The example as a user runs it, with its own application.properties: the page is served, a
 * confirmation sent twice with one key is applied once and replayed, the stream carries the
 * change with the key's digest, and the meters are on /actuator/prometheus.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "spring.test.observability.auto-configure=true")
@Timeout(120)
class BookingsApplicationTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Value("${local.server.port}")
  int port;

  @Test
  void aConfirmationIsAppliedOnceRepliedTwiceAndHeardOnTheStream() throws Exception {
    assertThat(get("/").body()).contains("new EventSource('/events?topics=bookings')");

    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    HttpResponse<java.io.InputStream> stream = http.send(HttpRequest.newBuilder(uri("/events?topics=bookings")).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (java.io.IOException closed) {
        // closed by the test
      }
    });
    reader.setDaemon(true);
    reader.start();
    try {
      awaitLine(lines, "event: subscribed");
      String key = UUID.randomUUID().toString();
      HttpResponse<String> first = confirm("b2", key);
      HttpResponse<String> again = confirm("b2", key);
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.body()).contains("\"confirmations\":1");
      assertThat(again.body()).isEqualTo(first.body());
      assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
      assertThat(get("/api/bookings").body()).contains("\"id\":\"b2\",\"guest\":\"Grace\",\"confirmed\":true,\"confirmations\":1");
      assertThat(awaitLine(lines, "\"b2\"")).contains(dev.closedloop.sync.idempotency.IdempotencyKey.digest(key));

      HttpResponse<String> noKey = http.send(HttpRequest.newBuilder(uri("/api/bookings/b1/confirm"))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(noKey.statusCode()).isEqualTo(400);
    } finally {
      stream.body().close();
    }
    assertThat(get("/actuator/prometheus").body())
        .contains("sync_idempotency_requests_total{", "sync_realtime_published_total{", "sync_sse_connections{");
  }

  private HttpResponse<String> confirm(String id, String key) throws Exception {
    return http.send(HttpRequest.newBuilder(uri("/api/bookings/" + id + "/confirm"))
        .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
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
