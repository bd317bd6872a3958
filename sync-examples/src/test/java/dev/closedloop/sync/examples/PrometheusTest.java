package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's {@code /metrics} through the real tools: {@code promtool check metrics} lints the
 * scrape, a real Prometheus (Debian's) scrapes the running demo on loopback with the shipped
 * alerting rules loaded and answers a query for a {@code sync_*} series, and {@code promtool}
 * checks and unit-tests the rules ({@code docs/prometheus/closedloop-alerts.test.yml}).
 */
class PrometheusTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void theShippedAlertingRulesPassPromtoolCheckAndTheirUnitTests() throws Exception {
    ExternalTools.require(ExternalTools.PROMTOOL);
    Path dir = ExternalTools.DOCS.resolve("prometheus");
    ExternalTools.Result check = ExternalTools.run(
        List.of(ExternalTools.PROMTOOL.toString(), "check", "rules", "closedloop-alerts.yml"), dir, null, Duration.ofSeconds(30));
    assertThat(check.exitCode()).as(check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS: 6 rules found");
    ExternalTools.Result test = ExternalTools.run(
        List.of(ExternalTools.PROMTOOL.toString(), "test", "rules", "closedloop-alerts.test.yml"), dir, null, Duration.ofSeconds(60));
    assertThat(test.exitCode()).as(test.output()).isZero();
    assertThat(test.output()).contains("SUCCESS");
  }

  @Test
  void aRealPrometheusScrapesTheDemoAndPromtoolAcceptsItsMetrics(@TempDir Path tmp) throws Exception {
    ExternalTools.require(ExternalTools.PROMETHEUS);
    ExternalTools.require(ExternalTools.PROMTOOL);
    try (DemoServer demo = DemoServer.builder().build().start()) {
      TestHttp client = new TestHttp(demo);
      assertThat(client.send("POST", "/api/bookings/1001/confirm", "p-1", "{}").statusCode()).isEqualTo(200);
      client.send("POST", "/api/bookings/1001/confirm", "p-1", "{}");
      client.send("POST", "/api/sms", "p-2", "{\"to\":\"+15550100\",\"text\":\"hi\"}");

      Path scrape = tmp.resolve("metrics.txt");
      Files.writeString(scrape, client.get("/metrics").body());
      ExternalTools.Result lint = ExternalTools.run(List.of(ExternalTools.PROMTOOL.toString(), "check", "metrics"),
          tmp, scrape, Duration.ofSeconds(30));
      assertThat(lint.exitCode()).as("promtool check metrics:\n" + lint.output()).isZero();
      assertThat(lint.output()).as("no lint findings").isBlank();

      int port = ExternalTools.freePort();
      Path config = tmp.resolve("prometheus.yml");
      Files.writeString(config, String.join("\n",
          "global:",
          "  scrape_interval: 1s",
          "  evaluation_interval: 1s",
          "rule_files:",
          "  - " + ExternalTools.DOCS.resolve("prometheus/closedloop-alerts.yml"),
          "scrape_configs:",
          "  - job_name: closedloop-demo",
          "    metrics_path: /metrics",
          "    static_configs:",
          "      - targets: ['127.0.0.1:" + demo.port() + "']",
          ""));
      Path log = Paths.get("target", "prometheus.log").toAbsolutePath();
      Files.createDirectories(log.getParent());
      Process prometheus = new ProcessBuilder(ExternalTools.PROMETHEUS.toString(),
          "--config.file=" + config, "--storage.tsdb.path=" + tmp.resolve("data"),
          "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try {
        URI api = URI.create("http://127.0.0.1:" + port + "/api/v1/");
        String series = "sync_idempotency_requests_total{job=\"closedloop-demo\",outcome=\"first\"}";
        JsonNode result = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
            .ignoreExceptions()
            .until(() -> query(api, series), r -> r.size() == 1);
        assertThat(result.get(0).get("metric").get("name").asText()).isEqualTo("api");
        assertThat(result.get(0).get("value").get(1).asText()).isEqualTo("2"); // the booking and the text

        JsonNode up = query(api, "up{job=\"closedloop-demo\"}");
        assertThat(up.get(0).get("value").get(1).asText()).isEqualTo("1");
        JsonNode groups = get(api.resolve("rules")).get("data").get("groups");
        assertThat(groups.get(0).get("rules")).hasSize(6)
            .allSatisfy(rule -> assertThat(rule.get("health").asText()).isIn("ok", "unknown"));
      } finally {
        prometheus.destroy(); // SIGTERM: Prometheus shuts down cleanly
        if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
          prometheus.toHandle().destroyForcibly();
          prometheus.waitFor(5, TimeUnit.SECONDS);
        }
      }
    }
  }

  private JsonNode query(URI api, String promql) throws IOException, InterruptedException {
    JsonNode body = get(api.resolve("query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)));
    assertThat(body.get("status").asText()).isEqualTo("success");
    return body.get("data").get("result");
  }

  private JsonNode get(URI uri) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    return DemoHttp.JSON.readTree(r.body());
  }
}
