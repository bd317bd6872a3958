package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.time.RandomSource;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Scrapes the demo's {@code /metrics} after driving every server-side component and checks that
 * each meter the README's metrics table documents for them is there, in Prometheus form (dots
 * as underscores, {@code _total} on counters, {@code _seconds_count} on timers, a gauge's base
 * unit appended).
 */
class MetricsTest {
  private static final Pattern ROW = Pattern.compile("^\\| `(sync\\.[a-z.]+)` \\| ([a-z ]+) \\|");

  /** The README's documented meters, as Prometheus names; the client-side queue's excepted. */
  static List<String> documentedServerMeters() throws Exception {
    List<String> names = new ArrayList<>();
    for (String line : Files.readAllLines(Paths.get("..", "README.md"), StandardCharsets.UTF_8)) {
      Matcher m = ROW.matcher(line);
      if (!m.find() || m.group(1).startsWith("sync.queue.")) {
        continue;
      }
      String base = m.group(1).replace('.', '_');
      switch (m.group(2).trim()) {
        case "counter":
        case "function counter":
          names.add(base + "_total");
          break;
        case "timer":
          names.add(base + "_seconds_count");
          break;
        case "summary":
          names.add(base + "_count");
          break;
        case "time gauge":
          names.add(base + "_seconds");
          break;
        default:
          names.add(base);
      }
    }
    return names;
  }

  @Test
  void metricsShowsEveryDocumentedServerMeterInPrometheusFormat() throws Exception {
    // the gateway fails once (draw 0.1), then sends (0.9): a retry, a delay, a failed breaker call
    try (DemoServer server = DemoServer.builder().smsGateway(0.5, 0, Duration.ZERO)
        .random(RandomSource.fixed(0.1, 0.9)).build().start()) {
      TestHttp http = new TestHttp(server);
      HttpResponse<InputStream> stream = http.client.send(
          HttpRequest.newBuilder(server.uri("/events?topics=bookings")).build(), HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream events = stream.body()) {
        http.send("POST", "/api/bookings/1001/confirm", "m-1", "{}");
        http.send("POST", "/api/bookings/1001/confirm", "m-1", "{}");
        http.send("POST", "/api/sms", "m-2", "{\"to\":\"+15550100\",\"text\":\"hi\"}");
        server.smsSender().breaker().forceOpen(); // a transition
        server.smsSender().breaker().reset();

        HttpResponse<String> scrape = http.get("/metrics");

        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("Content-Type")).hasValue(MetricsServlet.CONTENT_TYPE);
        List<String> documented = documentedServerMeters();
        assertThat(documented).hasSizeGreaterThan(30);
        List<String> present = new ArrayList<>();
        for (String line : scrape.body().split("\n")) {
          if (!line.startsWith("#")) {
            present.add(line.split("[{ ]", 2)[0]);
          }
        }
        for (String name : documented) {
          // Prometheus appends a gauge's base unit: sync.breaker.failure.rate (percent) is
          // sync_breaker_failure_rate_percent
          assertThat(present).as("documented meter %s in /metrics", name)
              .anyMatch(p -> p.equals(name) || p.matches(Pattern.quote(name) + "_(percent|bytes|seconds)"));
        }
        assertThat(scrape.body())
            .contains("sync_idempotency_requests_total{name=\"api\",outcome=\"first\"} 2.0")
            .contains("sync_idempotency_requests_total{name=\"api\",outcome=\"replayed\"} 1.0")
            .contains("sync_retry_calls_total{name=\"sms-gateway\",outcome=\"success\"} 1.0")
            .contains("sync_breaker_calls_total{kind=\"failed\",name=\"sms-gateway\"} 1.0")
            .contains("sync_sse_connections{name=\"events\"} 1.0");
      }
    }
  }
}
