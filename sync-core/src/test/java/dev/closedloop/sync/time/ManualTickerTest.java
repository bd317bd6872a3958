package dev.closedloop.sync.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ManualTickerTest {
  final ManualTicker ticker = new ManualTicker();

  @Test
  void startsAtZeroNanosAndTheDefaultWallTime() {
    assertThat(ticker.read()).isZero();
    assertThat(ticker.instant()).isEqualTo(ManualTicker.DEFAULT_START).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
  }

  @Test
  void advanceMovesMonotonicAndWallTimeInStep() {
    assertThat(ticker.advance(Duration.ofMillis(1500))).isEqualTo(1_500_000_000L);
    assertThat(ticker.advanceNanos(250)).isEqualTo(1_500_000_250L);

    assertThat(ticker.read()).isEqualTo(1_500_000_250L);
    assertThat(ticker.millis()).isEqualTo(ManualTicker.DEFAULT_START.toEpochMilli() + 1500);
    assertThat(ticker.instant()).isEqualTo(Instant.parse("2026-01-01T00:00:01.500Z"));
  }

  @Test
  void customWallStartIsHonoured() {
    ManualTicker other = new ManualTicker(Instant.parse("2030-06-01T12:00:00Z"));
    other.advance(Duration.ofMinutes(1));
    assertThat(other.instant()).isEqualTo(Instant.parse("2030-06-01T12:01:00Z"));
    assertThatThrownBy(() -> new ManualTicker(null)).isInstanceOf(NullPointerException.class).hasMessage("wallStart cannot be null");
  }

  @Test
  void timeNeverGoesBack() {
    ticker.advance(Duration.ofSeconds(2));

    assertThatThrownBy(() -> ticker.advance(Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("delta must not be negative: -1 ns");
    assertThatThrownBy(() -> ticker.advanceNanos(-5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ticker.setNanos(1_000_000_000L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("time cannot go backwards: 1000000000 ns < 2000000000 ns");
    assertThatThrownBy(() -> ticker.advance(null)).isInstanceOf(NullPointerException.class).hasMessage("delta cannot be null");
    assertThat(ticker.read()).isEqualTo(2_000_000_000L);
  }

  @Test
  void setNanosMovesForwardOrStays() {
    ticker.setNanos(5_000);
    ticker.setNanos(5_000);
    assertThat(ticker.read()).isEqualTo(5_000);
  }

  @Test
  void zeroAdvanceIsAllowed() {
    assertThat(ticker.advance(Duration.ZERO)).isZero();
  }
}
