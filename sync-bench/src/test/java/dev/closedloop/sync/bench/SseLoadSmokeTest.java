package dev.closedloop.sync.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The load program end to end at a toy size: two server JVMs, clients from 127.0.0.x. */
class SseLoadSmokeTest {

  @Test
  void bothServersDeliverEveryEventToEveryClientInOrder() throws Exception {
    SseLoad load = SseLoad.parse("--clients", "50", "--events", "10", "--warmup", "2", "--small", "20",
        "--small-events", "10", "--stalled", "3", "--idle", "60", "--per-address", "20");

    load.run();

    List<String> rows = load.results();
    assertThat(rows).filteredOn(r -> r.contains("\"phase\":\"latency\"")).hasSize(6)
        .allSatisfy(r -> assertThat(r).contains("\"outOfOrder\":0"))
        .anySatisfy(r -> assertThat(r).contains("\"mode\":\"lib\"", "\"clients\":50", "\"deliveries\":500"))
        .anySatisfy(r -> assertThat(r).contains("\"mode\":\"raw\"", "\"clients\":50", "\"deliveries\":500"))
        .anySatisfy(r -> assertThat(r).contains("\"mode\":\"lib\"", "\"clients\":20", "\"deliveries\":200"));
    // the small phase again beside 3 streams that never read: every measured client got every event
    assertThat(rows).filteredOn(r -> r.contains("\"phase\":\"latency\"") && r.contains("\"clients\":20"))
        .hasSize(4).allSatisfy(r -> assertThat(r).contains("\"deliveries\":200"));
    assertThat(rows).filteredOn(r -> r.contains("\"phase\":\"stalled\"")).hasSize(2)
        .allSatisfy(r -> assertThat(r).contains("\"stalled\":3"));
    assertThat(rows).filteredOn(r -> r.contains("\"phase\":\"idle\"")).hasSize(2)
        .allSatisfy(r -> assertThat(r).contains("\"streams\":60"));
  }
}
