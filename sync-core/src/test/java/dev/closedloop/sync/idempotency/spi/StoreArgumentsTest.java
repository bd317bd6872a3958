package dev.closedloop.sync.idempotency.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.StoredResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StoreArgumentsTest {
  private static final IdempotencyKey KEY = IdempotencyKey.of("tenant", "k-1");
  private static final StoredResponse RESPONSE = StoredResponse.notReplayable(201);

  @Test
  void eachOperationReturnsItsDurationInMillisecondsRoundedUp() {
    assertThat(StoreArguments.claim(KEY, "fp", Duration.ofMillis(1500))).isEqualTo(1500);
    assertThat(StoreArguments.claim(KEY, "fp", Duration.ofNanos(1))).isEqualTo(1);
    assertThat(StoreArguments.complete(KEY, "t", RESPONSE, Duration.ofNanos(2_000_001))).isEqualTo(3);
    assertThat(StoreArguments.renew(KEY, "t", Duration.ofSeconds(30))).isEqualTo(30_000);
    StoreArguments.release(KEY, "t");
    assertThat(StoreArguments.ceilMillis(Duration.ofNanos(999_999))).isEqualTo(1);
    assertThat(StoreArguments.ceilMillis(Duration.ofMillis(7))).isEqualTo(7);
  }

  @Test
  void theKeyIsCheckedFirstThenTheOtherArgumentsInOrder() {
    assertThatThrownBy(() -> StoreArguments.claim(null, null, null)).isInstanceOf(NullPointerException.class)
        .hasMessage("key cannot be null");
    assertThatThrownBy(() -> StoreArguments.claim(KEY, null, null)).isInstanceOf(NullPointerException.class)
        .hasMessage("fingerprint cannot be null");
    assertThatThrownBy(() -> StoreArguments.claim(KEY, "fp", null)).isInstanceOf(NullPointerException.class)
        .hasMessage("lease cannot be null");
    assertThatThrownBy(() -> StoreArguments.complete(KEY, "t", null, null)).isInstanceOf(NullPointerException.class)
        .hasMessage("response cannot be null");
    assertThatThrownBy(() -> StoreArguments.complete(KEY, "", null, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("token must have 1 to 256 characters: 0");
    assertThatThrownBy(() -> StoreArguments.complete(KEY, "t", RESPONSE, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retention must be positive and at most 10000 days: PT0S");
    assertThatThrownBy(() -> StoreArguments.release(null, "t")).isInstanceOf(NullPointerException.class)
        .hasMessage("key cannot be null");
    assertThatThrownBy(() -> StoreArguments.release(KEY, null)).isInstanceOf(NullPointerException.class)
        .hasMessage("token cannot be null");
    assertThatThrownBy(() -> StoreArguments.renew(KEY, "t", Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lease must be positive and at most 10000 days: PT-1S");
    assertThatThrownBy(() -> StoreArguments.claim(KEY, "x".repeat(257), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("fingerprint must have 1 to 256 characters: 257");
  }
}
