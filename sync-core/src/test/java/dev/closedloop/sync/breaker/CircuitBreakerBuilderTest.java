package dev.closedloop.sync.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.time.ManualTicker;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CircuitBreakerBuilderTest {

  private static CircuitBreakerBuilder builder() {
    return CircuitBreaker.builder("db");
  }

  @Test
  void nameCannotBeNullOrBlank() {
    assertThatThrownBy(() -> CircuitBreaker.builder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name cannot be null");
    assertThatThrownBy(() -> CircuitBreaker.builder("  "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be blank");
    assertThatThrownBy(() -> CircuitBreaker.ofDefaults(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void defaultsAreClosedWithoutSlowCallDetection() {
    CircuitBreaker breaker = CircuitBreaker.ofDefaults("payments");
    assertThat(breaker.name()).isEqualTo("payments");
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(breaker.detectsSlowCalls()).isFalse();
    assertThat(breaker.metrics().bufferedCalls()).isZero();
  }

  @Test
  void countWindowMustBeBetweenOneAndTheMaximum() {
    assertThatThrownBy(() -> builder().countWindow(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("countWindow must be between 1 and 1000000 calls: 0");
    assertThatThrownBy(() -> builder().countWindow(-5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder().countWindow(CircuitBreakerBuilder.MAX_COUNT_WINDOW + 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(builder().countWindow(1).minimumNumberOfCalls(1).build()).isNotNull();
  }

  @Test
  void timeWindowMustBeBetweenOneSecondAndAnHour() {
    assertThatThrownBy(() -> builder().timeWindow(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeWindow must be between 1 and 3600 seconds: 0");
    assertThatThrownBy(() -> builder().timeWindow(3601)).isInstanceOf(IllegalArgumentException.class);
    assertThat(builder().timeWindow(3600).build()).isNotNull();
  }

  @Test
  void minimumNumberOfCallsMustBePositive() {
    assertThatThrownBy(() -> builder().minimumNumberOfCalls(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minimumNumberOfCalls must be at least 1: 0");
  }

  @Test
  void thresholdsMustBeAboveZeroAndAtMostOneHundred() {
    for (float bad : new float[] {0f, -1f, 100.01f, Float.NaN, Float.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> builder().failureRateThreshold(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("failureRateThreshold must be in (0, 100]: " + bad);
      assertThatThrownBy(() -> builder().slowCallRateThreshold(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("slowCallRateThreshold must be in (0, 100]: " + bad);
    }
    assertThat(builder().failureRateThreshold(100f).failureRateThreshold(0.5f).build()).isNotNull();
  }

  @Test
  void slowCallDurationThresholdMustBePositive() {
    assertThatThrownBy(() -> builder().slowCallDurationThreshold(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("slowCallDurationThreshold cannot be null");
    assertThatThrownBy(() -> builder().slowCallDurationThreshold(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slowCallDurationThreshold must be positive: PT0S");
    assertThatThrownBy(() -> builder().slowCallDurationThreshold(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(builder().slowCallDurationThreshold(Duration.ofSeconds(1)).build().detectsSlowCalls())
        .isTrue();
  }

  @Test
  void waitInOpenMustNotBeNegative() {
    assertThatThrownBy(() -> builder().waitInOpen(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("waitInOpen cannot be null");
    assertThatThrownBy(() -> builder().waitInOpen(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("waitInOpen must not be negative: PT-1S");
    assertThat(builder().waitInOpen(Duration.ZERO).build()).isNotNull();
  }

  @Test
  void growingWaitInOpenValidatesEachPart() {
    Duration s = Duration.ofSeconds(1);
    assertThatThrownBy(() -> builder().waitInOpen(null, 2, s))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("initial cannot be null");
    assertThatThrownBy(() -> builder().waitInOpen(s, 2, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("max cannot be null");
    assertThatThrownBy(() -> builder().waitInOpen(s.negated(), 2, s))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("initial must not be negative: PT-1S");
    for (double bad : new double[] {0.99, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> builder().waitInOpen(s, bad, s.multipliedBy(10)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("multiplier must be a finite number >= 1: " + bad);
    }
    assertThatThrownBy(() -> builder().waitInOpen(s.multipliedBy(10), 2, s))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max (PT1S) must not be less than initial (PT10S)");
  }

  @Test
  void halfOpenTrialsMustBeBetweenOneAndTheMaximum() {
    assertThatThrownBy(() -> builder().halfOpenTrials(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("halfOpenTrials must be between 1 and 1024: 0");
    assertThatThrownBy(() -> builder().halfOpenTrials(1025)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void probeTimeoutMustBePositive() {
    assertThatThrownBy(() -> builder().probeTimeout(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("probeTimeout cannot be null");
    assertThatThrownBy(() -> builder().probeTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("probeTimeout must be positive: PT0S");
  }

  @Test
  void predicatesTickerAndListenersCannotBeNull() {
    assertThatThrownBy(() -> builder().recordFailure(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("predicate cannot be null");
    assertThatThrownBy(() -> builder().ignore(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("predicate cannot be null");
    assertThatThrownBy(() -> builder().ticker(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("ticker cannot be null");
    assertThatThrownBy(() -> builder().listener(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("listener cannot be null");
  }

  @Test
  void minimumNumberOfCallsLargerThanACountWindowConflicts() {
    assertThatThrownBy(() -> builder().countWindow(10).minimumNumberOfCalls(11).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("minimumNumberOfCalls (11) must not exceed countWindow (10)");
    // Not set explicitly: the default of 100 shrinks to the window.
    assertThat(builder().countWindow(10).build()).isNotNull();
    // A time window may hold any number of calls.
    assertThat(builder().timeWindow(10).minimumNumberOfCalls(1000).build()).isNotNull();
  }

  @Test
  void slowCallRateThresholdWithoutDurationConflicts() {
    assertThatThrownBy(() -> builder().slowCallRateThreshold(50).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("slowCallRateThreshold needs slowCallDurationThreshold to be set");
    assertThat(builder().slowCallRateThreshold(50).slowCallDurationThreshold(Duration.ofSeconds(1)).build())
        .isNotNull();
  }

  @Test
  void buildCopiesTheSettingsSoTheBuilderCanBeReused() throws Exception {
    ManualTicker time = new ManualTicker();
    CircuitBreakerBuilder builder =
        builder().ticker(time).countWindow(4).minimumNumberOfCalls(4).failureRateThreshold(50);
    CircuitBreaker strict = builder.build();
    CircuitBreaker lenient = builder.failureRateThreshold(100).build();
    for (CircuitBreaker b : new CircuitBreaker[] {strict, lenient}) {
      b.onSuccess(b.acquirePermission(), 0);
      b.onSuccess(b.acquirePermission(), 0);
      b.onFailure(b.acquirePermission(), 0, new IOException("x"));
      b.onFailure(b.acquirePermission(), 0, new IOException("x"));
    }
    assertThat(strict.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(lenient.state()).isEqualTo(CircuitBreaker.State.CLOSED);
  }
}
