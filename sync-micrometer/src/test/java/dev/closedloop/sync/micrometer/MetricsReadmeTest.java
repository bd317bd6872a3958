package dev.closedloop.sync.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.breaker.CircuitBreaker;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.queue.OfflineQueue;
import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.retry.RetryBudget;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.servlet.RealtimeSseServlet;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's "Metrics" table lists exactly the meters the binders register, each with its type
 * and tag keys, so the documentation cannot drift from the code.
 */
class MetricsReadmeTest {
  private static final Pattern ROW = Pattern.compile("^\\| `(sync\\.[a-z.]+)` \\| ([a-z ]+) \\| ([^|]*) \\|");
  private static final Pattern BACKTICKED = Pattern.compile("`([a-z_]+)`");

  /** A documented or registered meter: its type and tag keys. */
  record Row(String type, Set<String> tags) {}

  static Map<String, Row> readme() throws IOException {
    List<String> lines = Files.readAllLines(Path.of("..", "README.md"), StandardCharsets.UTF_8);
    int start = lines.indexOf("## Metrics");
    assertThat(start).as("README.md has a '## Metrics' section").isNotNegative();
    Map<String, Row> rows = new TreeMap<>();
    List<String> duplicates = new ArrayList<>();
    for (String line : lines.subList(start + 1, lines.size())) {
      if (line.startsWith("## ")) {
        break;
      }
      Matcher m = ROW.matcher(line);
      if (!m.find()) {
        continue;
      }
      Set<String> tags = new TreeSet<>();
      Matcher t = BACKTICKED.matcher(m.group(3));
      while (t.find()) {
        tags.add(t.group(1));
      }
      if (rows.put(m.group(1), new Row(m.group(2).strip(), tags)) != null) {
        duplicates.add(m.group(1));
      }
    }
    assertThat(duplicates).as("meters listed twice").isEmpty();
    return rows;
  }

  static String type(Meter meter) {
    if (meter instanceof TimeGauge) {
      return "time gauge";
    } else if (meter instanceof Gauge) {
      return "gauge";
    } else if (meter instanceof FunctionCounter) {
      return "function counter";
    } else if (meter instanceof Counter) {
      return "counter";
    } else if (meter instanceof Timer) {
      return "timer";
    } else if (meter instanceof DistributionSummary) {
      return "summary";
    }
    return meter.getClass().getSimpleName();
  }

  /** Every binder, each component driven just enough for its lazily registered meters to appear. */
  static Map<String, Row> registered() throws IOException {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    new RetryMetrics(registry, "retry").budget(RetryBudget.ofDefaults());

    CircuitBreaker breaker = new BreakerMetrics(registry).build(CircuitBreaker.builder("breaker"));
    breaker.forceOpen(); // the transitions counter appears at the first transition

    InMemoryIdempotencyStore store = InMemoryIdempotencyStore.ofDefaults();
    new IdempotencyStoreMetrics(store, "store").bindTo(registry);
    new IdempotencyFilterMetrics(registry, "filter").build(IdempotencyFilter.builder().store(store));

    OfflineQueueMetrics queueMetrics = new OfflineQueueMetrics(registry, "queue");
    queueMetrics.bind(OfflineQueue.builder().listener(queueMetrics).buildInMemory(), 0);

    try (InProcessRealtimeBus bus = InProcessRealtimeBus.create()) {
      RealtimeSseServlet sse = RealtimeSseServlet.builder(new RealtimeMetrics(registry, "bus").instrument(bus)).build();
      new RealtimeSseMetrics(sse, "sse").bindTo(registry);
    }

    Map<String, Row> rows = new TreeMap<>();
    for (Meter meter : registry.getMeters()) {
      Set<String> tags = new TreeSet<>();
      for (Tag tag : meter.getId().getTags()) {
        tags.add(tag.getKey());
      }
      Row row = new Row(type(meter), tags);
      Row before = rows.putIfAbsent(meter.getId().getName(), row);
      assertThat(before == null || before.equals(row))
          .as("every %s meter has the same type and tag keys", meter.getId().getName())
          .isTrue();
    }
    return rows;
  }

  @Test
  void theReadmeTableListsExactlyTheRegisteredMetersWithTheirTypesAndTags() throws IOException {
    Map<String, Row> documented = readme();
    Map<String, Row> registered = registered();

    assertThat(documented.keySet()).as("documented meters").containsExactlyElementsOf(registered.keySet());
    List<String> differences = new ArrayList<>();
    registered.forEach((name, row) -> {
      if (!row.equals(documented.get(name))) {
        differences.add(name + ": README says " + documented.get(name) + ", the binders register " + row);
      }
    });
    assertThat(differences).as("type and tag keys of each meter").isEmpty();
    assertThat(registered).allSatisfy((name, row) -> assertThat(row.tags()).contains("name"));
  }
}
