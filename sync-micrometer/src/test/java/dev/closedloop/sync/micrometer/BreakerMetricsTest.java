package dev.closedloop.sync.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.breaker.CircuitBreaker;
import dev.closedloop.sync.breaker.CircuitOpenException;
import dev.closedloop.sync.time.ManualTicker;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A real breaker on a manual ticker, driven through open and half-open, read by {@link BreakerMetrics}. */
class BreakerMetricsTest {
  final ManualTicker time = new ManualTicker();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final BreakerMetrics metrics = new BreakerMetrics(registry, Tags.of("app", "test"));

  CircuitBreaker breaker() {
    return metrics.build(CircuitBreaker.builder("payments")
        .ticker(time)
        .countWindow(4)
        .minimumNumberOfCalls(4)
        .failureRateThreshold(50)
        .waitInOpen(Duration.ofSeconds(10))
        .halfOpenTrials(1)
        .probeTimeout(Duration.ofSeconds(5)));
  }

  /** The state gauges, as state → value. */
  Map<String, Double> states() {
    Map<String, Double> out = new TreeMap<>();
    registry.get("sync.breaker.state").tag("name", "payments").gauges()
        .forEach(g -> out.put(g.getId().getTag("state"), g.value()));
    return out;
  }

  double gauge(String name) {
    return registry.get(name).tags("name", "payments", "app", "test").gauge().value();
  }

  double calls(String kind) {
    return registry.get("sync.breaker.calls").tags("name", "payments", "kind", kind).functionCounter().count();
  }

  double buffered(String kind) {
    return registry.get("sync.breaker.buffered.calls").tags("name", "payments", "kind", kind).gauge().value();
  }

  double transitions(String from, String to) {
    var c = registry.find("sync.breaker.transitions").tags("name", "payments", "from", from, "to", to).counter();
    return c == null ? 0 : c.count();
  }

  static void fail(CircuitBreaker b) {
    assertThatThrownBy(() -> b.call(() -> {
      throw new IOException("down");
    })).isInstanceOf(IOException.class);
  }

  @Test
  void aBreakerThroughOpenAndHalfOpenBackToClosedIsCountedExactly() throws Exception {
    CircuitBreaker b = breaker();
    assertThat(states()).containsEntry("closed", 1.0).containsEntry("open", 0.0).hasSize(5);
    assertThat(gauge("sync.breaker.failure.rate")).isEqualTo(-1);

    b.call(() -> "a");
    b.call(() -> "b");
    fail(b);
    fail(b); // 2 of 4 failed: 50 % trips it

    assertThat(b.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(states()).containsEntry("open", 1.0).containsEntry("closed", 0.0).containsEntry("half_open", 0.0);
    assertThat(transitions("closed", "open")).isEqualTo(1);
    assertThat(gauge("sync.breaker.failure.rate")).isEqualTo(50);
    assertThat(gauge("sync.breaker.slow.call.rate")).isEqualTo(-1); // slow calls not detected
    assertThat(buffered("successful")).isEqualTo(2);
    assertThat(buffered("failed")).isEqualTo(2);

    assertThatThrownBy(() -> b.call(() -> "refused")).isInstanceOf(CircuitOpenException.class);
    assertThatThrownBy(() -> b.call(() -> "refused")).isInstanceOf(CircuitOpenException.class);
    assertThat(calls("rejected")).isEqualTo(2);

    time.advance(Duration.ofSeconds(10));
    long permit = b.acquirePermission(); // moves to HALF_OPEN and takes the one trial
    assertThat(states()).containsEntry("half_open", 1.0).containsEntry("open", 0.0);
    assertThat(transitions("open", "half_open")).isEqualTo(1);
    assertThatThrownBy(() -> b.call(() -> "refused")).isInstanceOf(CircuitOpenException.class);
    b.onSuccess(permit, 0);

    assertThat(b.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(states()).containsEntry("closed", 1.0).containsEntry("half_open", 0.0);
    assertThat(transitions("half_open", "closed")).isEqualTo(1);
    assertThat(registry.get("sync.breaker.transitions").counters()).hasSize(3);
    assertThat(calls("successful")).isEqualTo(3);
    assertThat(calls("failed")).isEqualTo(2);
    assertThat(calls("ignored")).isZero();
    assertThat(calls("rejected")).isEqualTo(3);
    assertThat(registry.get("sync.breaker.slow.calls").tag("name", "payments").functionCounter().count()).isZero();
    assertThat(buffered("successful")).isZero(); // a fresh window
    assertThat(gauge("sync.breaker.failure.rate")).isEqualTo(-1);
  }

  @Test
  void aTrialNeverReportedIsReclaimedAndCounted() throws Exception {
    CircuitBreaker b = breaker();
    b.forceOpen();
    b.reset(); // operators' moves are transitions too
    for (int i = 0; i < 4; i++) {
      fail(b);
    }
    time.advance(Duration.ofSeconds(10));
    b.acquirePermission(); // the trial, lost

    time.advance(Duration.ofSeconds(5));
    assertThat(b.call(() -> "second trial")).isEqualTo("second trial");

    assertThat(registry.get("sync.breaker.trials.reclaimed").tags("name", "payments", "app", "test").counter().count())
        .isEqualTo(1);
    assertThat(transitions("closed", "forced_open")).isEqualTo(1);
    assertThat(transitions("forced_open", "closed")).isEqualTo(1);
    assertThat(transitions("closed", "open")).isEqualTo(1);
    assertThat(transitions("half_open", "closed")).isEqualTo(1);
  }

  @Test
  void aBreakerBoundWithoutTheListenerHasItsGaugesButNoTransitions() {
    CircuitBreaker plain = CircuitBreaker.builder("plain").ticker(time).build();
    metrics.bind(plain);

    plain.forceOpen();

    assertThat(registry.get("sync.breaker.state").tags("name", "plain", "state", "forced_open").gauge().value())
        .isEqualTo(1);
    assertThat(registry.find("sync.breaker.transitions").tag("name", "plain").counter()).isNull();
  }
}
