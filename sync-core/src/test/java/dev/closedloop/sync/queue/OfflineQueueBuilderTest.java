package dev.closedloop.sync.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.retry.RetryPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class OfflineQueueBuilderTest {

  @Test
  void settersRejectNullsWithFixedMessages() {
    OfflineQueueBuilder b = OfflineQueue.builder();
    assertThatThrownBy(() -> b.clock(null)).isInstanceOf(NullPointerException.class).hasMessage("clock cannot be null");
    assertThatThrownBy(() -> b.ticker(null)).isInstanceOf(NullPointerException.class).hasMessage("ticker cannot be null");
    assertThatThrownBy(() -> b.retryPolicy(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("retryPolicy cannot be null");
    assertThatThrownBy(() -> b.durability(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("durability cannot be null");
    assertThatThrownBy(() -> b.listener(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("listener cannot be null");
    assertThatThrownBy(() -> b.open((Path) null)).isInstanceOf(NullPointerException.class)
        .hasMessage("directory cannot be null");
  }

  @Test
  void settersRejectOutOfRangeValues() {
    OfflineQueueBuilder b = OfflineQueue.builder();
    assertThatThrownBy(() -> b.maxPayloadBytes(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxPayloadBytes must be in [1, 67108864]: 0");
    assertThatThrownBy(() -> b.maxPayloadBytes((64 << 20) + 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.segmentBytes(4095)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("segmentBytes must be in [4096, 1073741824]: 4095");
    assertThatThrownBy(() -> b.segmentBytes((1L << 30) + 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.maxItems(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxItems must be at least 1: 0");
    assertThatThrownBy(() -> b.maxBytes(1023)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBytes must be at least 1024: 1023");
  }

  @Test
  void boundsDefaultTo100000ItemsAnd128MiB() {
    OfflineQueueBuilder b = OfflineQueue.builder();
    assertThat(b.maxItems).isEqualTo(100_000).isEqualTo(OfflineQueueBuilder.DEFAULT_MAX_ITEMS);
    assertThat(b.maxBytes).isEqualTo(128L << 20).isEqualTo(OfflineQueueBuilder.DEFAULT_MAX_BYTES);
    QueueConfig c = new QueueConfig(b.maxItems(7).maxBytes(4096));
    b.maxItems(8); // build() copied the settings
    assertThat(c.maxItems).isEqualTo(7);
    assertThat(c.maxBytes).isEqualTo(4096);
  }

  @Test
  void durabilityGroupValidatesItsArguments() {
    assertThatThrownBy(() -> Durability.group(0, Duration.ofMillis(1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBatch must be at least 1: 0");
    assertThatThrownBy(() -> Durability.group(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxDelay must be positive: PT0S");
    assertThatThrownBy(() -> Durability.group(1, null)).isInstanceOf(NullPointerException.class)
        .hasMessage("maxDelay cannot be null");
    Durability g = Durability.group(16, Duration.ofMillis(5));
    assertThat(g.mode()).isEqualTo(Durability.Mode.GROUP);
    assertThat(g).isEqualTo(Durability.group(16, Duration.ofMillis(5))).hasToString("GROUP(16, PT0.005S)");
    assertThat(Durability.ALWAYS).hasToString("ALWAYS");
  }

  @Test
  void offerValidatesEachArgumentAtOnce() {
    Offer o = Offer.of("k", new byte[] {1});
    assertThatThrownBy(() -> o.scope("")).isInstanceOf(IllegalArgumentException.class).hasMessage("scope must not be empty");
    assertThatThrownBy(() -> Offer.of("x".repeat(1001), new byte[0])).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("idempotencyKey must be at most 1000 characters: 1001");
    assertThatThrownBy(() -> o.collapse(null)).isInstanceOf(NullPointerException.class).hasMessage("collapse cannot be null");
    assertThat(o.priority(0).scope(null).notBefore(null).expiresAt(null).collapse(Collapse.NONE).priority()).isZero();
  }

  @Test
  void offerCopiesThePayloadAndQueuedItemsHandOutCopies() throws Exception {
    byte[] payload = {1, 2, 3};
    Offer o = Offer.of("k", payload);
    payload[0] = 9;
    try (OfflineQueue q = OfflineQueue.builder().buildInMemory()) {
      QueuedItem item = q.offer(o);
      assertThat(item.payload()).containsExactly(1, 2, 3);
      item.payload()[1] = 9;
      assertThat(item.payload()).containsExactly(1, 2, 3);
    }
  }

  @Test
  void aBuilderCanBeReusedAndTheQueueUsesThePolicyWithoutItsDeadline() throws Exception {
    OfflineQueueBuilder b = OfflineQueue.builder().retryPolicy(RetryPolicy.builder().maxAttempts(2)
        .initialDelay(Duration.ofMinutes(10)).maxDelay(Duration.ofMinutes(10)).deadline(Duration.ofSeconds(1)).build());
    try (OfflineQueue first = b.buildInMemory(); OfflineQueue second = b.maxPayloadBytes(1).buildInMemory()) {
      QueuedItem item = first.offer("k", new byte[] {1, 2});
      first.poll();
      // a 10-minute backoff is longer than the policy's 1 s deadline: the queue still retries
      assertThat(first.nack(item.id(), new RuntimeException("x"))).isEqualTo(NackResult.RETRY_SCHEDULED);
      assertThat(first.stats().waiting()).isEqualTo(1);
      assertThatThrownBy(() -> second.offer("k", new byte[] {1, 2})).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void expiryFarBeyondTheMillisecondRangeIsTreatedAsNone() throws Exception {
    try (OfflineQueue q = OfflineQueue.builder().buildInMemory()) {
      QueuedItem item = q.offer(Offer.of("k", new byte[0]).expiresAt(Instant.MAX));
      assertThat(item.expiresAt()).isNull();
    }
  }
}
