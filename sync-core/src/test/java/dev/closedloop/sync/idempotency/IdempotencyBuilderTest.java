package dev.closedloop.sync.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class IdempotencyBuilderTest {

  @Test
  void defaultsAreThoseDocumented() {
    Idempotency idempotency = Idempotency.of(InMemoryIdempotencyStore.ofDefaults());
    assertThat(idempotency.lease()).isEqualTo(Duration.ofSeconds(30));
    assertThat(idempotency.retention()).isEqualTo(Duration.ofHours(24));
    assertThat(idempotency.store()).isInstanceOf(InMemoryIdempotencyStore.class);
    assertThat(idempotency.toString()).startsWith("Idempotency[default, InMemoryIdempotencyStore[");
  }

  @Test
  void settersRejectNullsWithFixedMessages() {
    IdempotencyBuilder b = Idempotency.builder();
    assertThatThrownBy(() -> b.store(null)).isInstanceOf(NullPointerException.class).hasMessage("store cannot be null");
    assertThatThrownBy(() -> b.lease(null)).isInstanceOf(NullPointerException.class).hasMessage("lease cannot be null");
    assertThatThrownBy(() -> b.retention(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("retention cannot be null");
    assertThatThrownBy(() -> b.inProgressWait(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("wait cannot be null");
    assertThatThrownBy(() -> b.ticker(null)).isInstanceOf(NullPointerException.class).hasMessage("ticker cannot be null");
    assertThatThrownBy(() -> b.scheduler(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("scheduler cannot be null");
    assertThatThrownBy(() -> b.listener(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("listener cannot be null");
    assertThatThrownBy(() -> b.name(null)).isInstanceOf(NullPointerException.class).hasMessage("name cannot be null");
  }

  @Test
  void settersRejectOutOfRangeValues() {
    IdempotencyBuilder b = Idempotency.builder();
    assertThatThrownBy(() -> b.lease(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.inProgressWait(Duration.ofSeconds(61))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("wait must be between 0 and 60 s: PT1M1S");
    assertThatThrownBy(() -> b.inProgressWait(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.pollInterval(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.name(" ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be blank");
  }

  @Test
  void buildRefusesAMissingStoreAndAWaitLongerThanTheLease() {
    assertThatThrownBy(() -> Idempotency.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("store must be set");
    assertThatThrownBy(() -> Idempotency.builder().store(InMemoryIdempotencyStore.ofDefaults())
        .lease(Duration.ofSeconds(5)).inProgressWait(Duration.ofSeconds(10)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("inProgressWait (PT10S) cannot exceed the lease (PT5S)");
  }

  @Test
  void executeRejectsBadArgumentsBeforeTouchingTheStore() {
    InMemoryIdempotencyStore store = InMemoryIdempotencyStore.ofDefaults();
    Idempotency idempotency = Idempotency.of(store);
    assertThatThrownBy(() -> idempotency.execute("s", "k", "", () -> "x", ResultCodec.utf8()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fingerprint");
    assertThatThrownBy(() -> idempotency.execute("", "k", "f", () -> "x", ResultCodec.utf8()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scope");
    assertThatThrownBy(() -> idempotency.execute("s", "k", "f", null, ResultCodec.utf8()))
        .isInstanceOf(NullPointerException.class).hasMessage("work cannot be null");
    assertThatThrownBy(() -> idempotency.execute("s", "k", "f", () -> "x", null))
        .isInstanceOf(NullPointerException.class).hasMessage("codec cannot be null");
    assertThat(store.stats().claims()).isZero();
  }
}
