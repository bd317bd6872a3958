package dev.closedloop.sync.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.queue.DrainSummary;
import dev.closedloop.sync.queue.Offer;
import dev.closedloop.sync.queue.OfflineQueue;
import dev.closedloop.sync.queue.OfflineQueueFullException;
import dev.closedloop.sync.queue.PermanentFailureException;
import dev.closedloop.sync.queue.QueuedItem;
import dev.closedloop.sync.retry.Jitter;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.ManualTicker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real queues (in memory, and a file queue for recovery) read by {@link OfflineQueueMetrics}. */
class OfflineQueueMetricsTest {
  static final int HIGH = 10;
  static final int NORMAL = 0;

  final ManualTicker time = new ManualTicker();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final OfflineQueueMetrics metrics = new OfflineQueueMetrics(registry, "outbox");

  OfflineQueue queue() {
    OfflineQueue q = OfflineQueue.builder()
        .clock(time)
        .ticker(time)
        .retryPolicy(RetryPolicy.builder().maxAttempts(2).initialDelay(Duration.ofSeconds(1)).jitter(Jitter.none()).build())
        .listener(metrics)
        .buildInMemory();
    return metrics.bind(q, HIGH, NORMAL);
  }

  static Offer offer(String key, int priority) {
    return Offer.of(key, key.getBytes(StandardCharsets.UTF_8)).priority(priority);
  }

  double gauge(String name) {
    return registry.get(name).tag("name", "outbox").gauge().value();
  }

  double depth(int lane) {
    return registry.get("sync.queue.depth").tags("name", "outbox", "priority", Integer.toString(lane)).gauge().value();
  }

  double drained(String outcome) {
    return registry.get("sync.queue.drained").tags("name", "outbox", "outcome", outcome).counter().count();
  }

  @Test
  void depthPerLaneInFlightAndOldestAgeFollowTheQueue() throws IOException {
    try (OfflineQueue q = queue()) {
      q.offer(offer("h1", HIGH));
      time.advance(Duration.ofSeconds(30));
      q.offer(offer("n1", NORMAL));
      q.offer(offer("n2", NORMAL));
      q.offer(offer("other-lane", 5)); // not named to bind: only in the total

      assertThat(depth(HIGH)).isEqualTo(1);
      assertThat(depth(NORMAL)).isEqualTo(2);
      assertThat(gauge("sync.queue.waiting")).isEqualTo(4);
      assertThat(registry.get("sync.queue.oldest.age").tag("name", "outbox").timeGauge().value(TimeUnit.SECONDS))
          .isEqualTo(30);

      QueuedItem taken = q.poll().orElseThrow();
      assertThat(taken.priority()).isEqualTo(HIGH);
      assertThat(depth(HIGH)).isZero();
      assertThat(gauge("sync.queue.in.flight")).isEqualTo(1);
      assertThat(gauge("sync.queue.waiting")).isEqualTo(3);
      q.ack(taken.id());
      assertThat(gauge("sync.queue.in.flight")).isZero();
      assertThat(registry.get("sync.queue.oldest.age").tag("name", "outbox").timeGauge().value(TimeUnit.SECONDS))
          .isZero(); // the others were offered just now
    }
    assertThat(gauge("sync.queue.waiting")).isNaN(); // a closed queue refuses to answer
  }

  @Test
  void drainsAndDeadLettersAreCountedByOutcome() throws IOException {
    try (OfflineQueue q = queue()) {
      q.offer(offer("ok", HIGH));
      q.offer(offer("flaky", NORMAL));
      q.offer(offer("rejected", NORMAL));

      DrainSummary first = q.drain(item -> {
        switch (item.idempotencyKey()) {
          case "ok" -> { }
          case "flaky" -> throw new IOException("offline");
          default -> throw new PermanentFailureException("422 from the server");
        }
      });
      assertThat(first).isEqualTo(new DrainSummary(1, 1, 1));
      assertThat(gauge("sync.queue.dead.letters")).isEqualTo(1);

      time.advance(Duration.ofSeconds(1));
      DrainSummary second = q.drain(item -> {
        throw new IOException("still offline");
      }); // the second of two attempts: a dead letter
      assertThat(second).isEqualTo(new DrainSummary(0, 0, 1));
      assertThat(q.drain(item -> { })).isEqualTo(new DrainSummary(0, 0, 0));

      assertThat(drained("succeeded")).isEqualTo(1);
      assertThat(drained("retried")).isEqualTo(1);
      assertThat(drained("dead_lettered")).isEqualTo(2);
      assertThat(registry.get("sync.queue.dead.lettered").tag("name", "outbox").counter().count()).isEqualTo(2);
      assertThat(gauge("sync.queue.dead.letters")).isEqualTo(2);
      assertThat(gauge("sync.queue.waiting")).isZero();

      q.deadLetter(q.offer(offer("by-hand", HIGH)).id(), "operator");
      assertThat(registry.get("sync.queue.dead.lettered").tag("name", "outbox").counter().count()).isEqualTo(3);
      assertThat(drained("dead_lettered")).isEqualTo(2); // not a drain
    }
  }

  @Test
  void offersRefusedByAFullQueueAreCounted() throws IOException {
    try (OfflineQueue q = metrics.bind(OfflineQueue.builder().clock(time).ticker(time).listener(metrics)
        .maxItems(2).buildInMemory())) {
      q.offer(offer("a", NORMAL));
      q.offer(offer("b", NORMAL));
      for (int i = 0; i < 3; i++) {
        String key = "refused-" + i;
        assertThatThrownBy(() -> q.offer(offer(key, NORMAL))).isInstanceOf(OfflineQueueFullException.class);
      }
      assertThat(registry.get("sync.queue.offers.refused").tag("name", "outbox").counter().count()).isEqualTo(3);
      assertThat(gauge("sync.queue.waiting")).isEqualTo(2);
      q.ack(q.poll().orElseThrow().id());
      q.offer(offer("c", NORMAL));
      assertThat(registry.get("sync.queue.offers.refused").tag("name", "outbox").counter().count()).isEqualTo(3);
    }
  }

  @Test
  void problemsFoundWhenAFileQueueOpensAreCounted(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("notes.txt"), "not a queue file");

    try (OfflineQueue q = OfflineQueue.builder().clock(time).ticker(time).listener(metrics).open(dir)) {
      metrics.bind(q);
      assertThat(registry.get("sync.queue.recovery.problems").tag("name", "outbox").counter().count()).isEqualTo(1);
      assertThat(registry.find("sync.queue.depth").gauges()).isEmpty(); // no lane named
    }
  }
}
