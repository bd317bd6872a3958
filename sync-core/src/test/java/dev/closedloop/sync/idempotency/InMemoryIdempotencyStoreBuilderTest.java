package dev.closedloop.sync.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class InMemoryIdempotencyStoreBuilderTest {

  @Test
  void defaultsAreReExecuteAndOneMebibytePerResponse() {
    InMemoryIdempotencyStore store = InMemoryIdempotencyStore.ofDefaults();
    assertThat(store.expiredLeasePolicy()).isEqualTo(ExpiredLeasePolicy.RE_EXECUTE);
    assertThat(store.maxResponseBytes()).isEqualTo(1024 * 1024);
    assertThat(IdempotencyStore.DEFAULT_RETENTION).isEqualTo(Duration.ofHours(24));
    assertThat(IdempotencyStore.DEFAULT_LEASE).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void settersRejectBadValuesWithFixedMessages() {
    InMemoryIdempotencyStoreBuilder b = InMemoryIdempotencyStore.builder();
    assertThatThrownBy(() -> b.clock(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("clock cannot be null");
    assertThatThrownBy(() -> b.expiredLeasePolicy(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("policy cannot be null");
    assertThatThrownBy(() -> b.maxEntries(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxEntries must be at least 1: 0");
    assertThatThrownBy(() -> b.maxBytes(1023)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBytes must be at least 1024: 1023");
    assertThatThrownBy(() -> b.maxResponseBytes(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxResponseBytes must be at least 1: 0");
    assertThatThrownBy(() -> b.abandonedClaimRetention(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retention must be positive and at most 10000 days: PT0S");
    assertThatThrownBy(() -> b.sweepInterval(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("interval cannot be null");
  }

  @Test
  void buildRejectsAResponseLimitAboveTheByteBound() {
    assertThatThrownBy(() -> InMemoryIdempotencyStore.builder().maxBytes(2048).maxResponseBytes(4096).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxResponseBytes (4096) cannot exceed maxBytes (2048)");
  }

  @Test
  void responseLimitFollowsASmallerByteBoundUnlessSet() {
    assertThat(InMemoryIdempotencyStore.builder().maxBytes(4096).build().maxResponseBytes()).isEqualTo(4096);
  }

  @Test
  void builderCanBeReusedAfterBuild() {
    InMemoryIdempotencyStoreBuilder b = InMemoryIdempotencyStore.builder().maxResponseBytes(10);
    InMemoryIdempotencyStore first = b.build();
    b.maxResponseBytes(20);
    assertThat(first.maxResponseBytes()).isEqualTo(10);
    assertThat(b.build().maxResponseBytes()).isEqualTo(20);
  }
}
