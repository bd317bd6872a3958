package dev.closedloop.sync.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.retry.Jitter;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.ManualTicker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** What an {@link OfflineQueueListener} hears of drains and dead letters. */
class OfflineQueueListenerTest {
  final ManualTicker time = new ManualTicker();
  final List<String> heard = new CopyOnWriteArrayList<>();

  OfflineQueue queue(OfflineQueueListener... listeners) {
    OfflineQueueBuilder b = OfflineQueue.builder()
        .clock(time)
        .ticker(time)
        .retryPolicy(RetryPolicy.builder().maxAttempts(2).initialDelay(Duration.ofSeconds(1)).jitter(Jitter.none()).build());
    for (OfflineQueueListener l : listeners) {
      b.listener(l);
    }
    return b.buildInMemory();
  }

  final OfflineQueueListener recorder = new OfflineQueueListener() {
    @Override
    public void onDeadLettered(QueuedItem item) {
      heard.add("dead " + item.idempotencyKey());
    }

    @Override
    public void onDrained(DrainSummary summary) {
      heard.add("drained " + summary);
    }
  };

  static Offer offer(String key) {
    return Offer.of(key, key.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void everyDrainReportsItsSummaryAfterTheDeadLettersItMade() throws IOException {
    try (OfflineQueue q = queue(recorder)) {
      q.offer(offer("ok"));
      q.offer(offer("bad"));
      q.offer(offer("flaky"));

      DrainSummary summary = q.drain(item -> {
        switch (item.idempotencyKey()) {
          case "ok" -> { }
          case "bad" -> throw new PermanentFailureException("rejected");
          default -> throw new IOException("offline");
        }
      });
      DrainSummary empty = q.drain(item -> { });

      assertThat(summary).isEqualTo(new DrainSummary(1, 1, 1));
      assertThat(empty).isEqualTo(new DrainSummary(0, 0, 0));
      assertThat(heard).containsExactly("dead bad", "drained " + summary, "drained " + empty);
    }
  }

  @Test
  void aListenerThatThrowsFromOnDrainedSilencesNeitherTheDrainNorTheNextListener() throws IOException {
    OfflineQueueListener throwing = new OfflineQueueListener() {
      @Override
      public void onDrained(DrainSummary summary) {
        throw new IllegalStateException("listener bug");
      }
    };
    try (OfflineQueue q = queue(throwing, recorder)) {
      q.offer(offer("ok"));

      assertThat(q.drain(item -> { })).isEqualTo(new DrainSummary(1, 0, 0));
      assertThat(heard).containsExactly("drained " + new DrainSummary(1, 0, 0));
    }
  }

  @Test
  void itemsAndOffersShowTheirKeyOnlyAsAHash() throws IOException {
    try (OfflineQueue q = queue()) {
      Offer offer = offer("secret-key-1");
      QueuedItem item = q.offer(offer);

      assertThat(item.toString()).doesNotContain("secret-key-1").contains(IdempotencyKey.redact("secret-key-1"));
      assertThat(offer.toString()).doesNotContain("secret-key-1").contains(IdempotencyKey.redact("secret-key-1"));
    }
  }
}
