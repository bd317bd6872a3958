package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shipped Grafana dashboard ({@code docs/grafana/closedloop-dashboard.json}) queries only
 * meters of the README's Metrics table, in their Prometheus names: a renamed or undocumented
 * meter fails here, not on an operator's empty panel.
 */
class GrafanaDashboardTest {
  private static final Pattern ROW = Pattern.compile("^\\| `(sync\\.[a-z.]+)` \\| ([a-z ]+) \\|");
  private static final Pattern METRIC = Pattern.compile("\\bsync_[a-z_]+");

  /** Every Prometheus name the README's meters appear under: counters' _total, timers' parts, gauge units. */
  static Set<String> documentedPrometheusNames() throws Exception {
    Set<String> names = new HashSet<>();
    for (String line : Files.readAllLines(Paths.get("..", "README.md"), StandardCharsets.UTF_8)) {
      Matcher m = ROW.matcher(line);
      if (!m.find()) {
        continue;
      }
      String base = m.group(1).replace('.', '_');
      switch (m.group(2).trim()) {
        case "counter", "function counter" -> names.add(base + "_total");
        case "timer" -> List.of("_count", "_sum", "_max", "_bucket").forEach(s -> names.add(base + "_seconds" + s));
        case "summary" -> List.of("_count", "_sum", "_max").forEach(s -> names.add(base + s));
        case "time gauge" -> names.add(base + "_seconds");
        default -> List.of("", "_percent", "_bytes", "_seconds").forEach(s -> names.add(base + s));
      }
    }
    return names;
  }

  @Test
  void everyPanelQueriesOnlyMetersOfTheReadmeTable() throws Exception {
    JsonNode dashboard = DemoHttp.JSON.readTree(
        Paths.get("..", "docs", "grafana", "closedloop-dashboard.json").toFile());
    Set<String> documented = documentedPrometheusNames();
    assertThat(documented).hasSizeGreaterThan(40);

    List<String> queries = new ArrayList<>();
    for (JsonNode panel : dashboard.get("panels")) {
      assertThat(panel.get("targets")).as(panel.get("title").asText()).isNotEmpty();
      for (JsonNode target : panel.get("targets")) {
        queries.add(target.get("expr").asText());
      }
    }
    for (JsonNode variable : dashboard.get("templating").get("list")) {
      if ("query".equals(variable.get("type").asText())) {
        queries.add(variable.get("query").asText());
      }
    }
    assertThat(queries).hasSizeGreaterThanOrEqualTo(10);

    Set<String> used = new TreeSet<>();
    for (String q : queries) {
      Matcher m = METRIC.matcher(q);
      boolean any = false;
      while (m.find()) {
        used.add(m.group());
        any = true;
      }
      assertThat(any).as("query uses a sync_* meter: %s", q).isTrue();
    }
    assertThat(used).as("meters the dashboard queries").allSatisfy(name -> assertThat(documented).contains(name));
    assertThat(used).as("it covers breaker, retry, idempotency, queue and SSE")
        .contains("sync_breaker_state", "sync_retry_calls_total", "sync_idempotency_requests_total",
            "sync_queue_waiting", "sync_sse_cutoffs_total");
  }
}
