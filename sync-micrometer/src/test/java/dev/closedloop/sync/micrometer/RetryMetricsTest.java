package dev.closedloop.sync.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.breaker.CircuitBreaker;
import dev.closedloop.sync.retry.Jitter;
import dev.closedloop.sync.retry.RetryAfterHint;
import dev.closedloop.sync.retry.RetryBudget;
import dev.closedloop.sync.retry.RetryExhaustedException;
import dev.closedloop.sync.retry.RetryOutcome;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.retry.RetryPolicyBuilder;
import dev.closedloop.sync.retry.RetryRejectedException;
import dev.closedloop.sync.time.ManualTicker;
import dev.closedloop.sync.time.VirtualScheduler;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A real retry policy on virtual time, its calls counted by {@link RetryMetrics}. */
class RetryMetricsTest {
  final ManualTicker time = new ManualTicker();
  final VirtualScheduler scheduler = new VirtualScheduler(time);
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final RetryMetrics metrics = new RetryMetrics(registry, "payments", Tags.of("app", "test"));

  RetryPolicyBuilder<String> policy() {
    return RetryPolicy.<String>builder()
        .ticker(time)
        .scheduler(scheduler)
        .jitter(Jitter.none())
        .maxAttempts(3)
        .initialDelay(Duration.ofSeconds(1))
        .multiplier(2)
        .listener(metrics);
  }

  double calls(String outcome) {
    return registry.get("sync.retry.calls").tags("name", "payments", "app", "test", "outcome", outcome).counter().count();
  }

  Timer delay(boolean hint) {
    return registry.get("sync.retry.delay").tags("name", "payments", "hint", Boolean.toString(hint)).timer();
  }

  DistributionSummary attempts() {
    return registry.get("sync.retry.attempts").tag("name", "payments").summary();
  }

  /** Fails the first {@code failures} attempts with an IOException, then returns "ok". */
  static java.util.concurrent.Callable<String> failing(int failures, AtomicInteger calls) {
    return () -> {
      if (calls.incrementAndGet() <= failures) {
        throw new IOException("down " + calls.get());
      }
      return "ok";
    };
  }

  @Test
  void aSuccessAfterTwoRetriesCountsOneSuccessThreeAttemptsAndTwoDelays() {
    AtomicInteger calls = new AtomicInteger();

    assertThat(policy().build().execute(failing(2, calls))).isEqualTo("ok");

    assertThat(calls(("success"))).isEqualTo(1);
    assertThat(calls("exhausted")).isZero();
    assertThat(attempts().count()).isEqualTo(1);
    assertThat(attempts().totalAmount()).isEqualTo(3);
    assertThat(delay(false).count()).isEqualTo(2);
    assertThat(delay(false).totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3000); // 1 s + 2 s
    assertThat(delay(true).count()).isZero();
  }

  @Test
  void runningOutOfAttemptsCountsExhausted() {
    AtomicInteger calls = new AtomicInteger();

    assertThatThrownBy(() -> policy().build().execute(failing(99, calls))).isInstanceOf(RetryExhaustedException.class);
    RetryOutcome<String> second = policy().build().run(failing(99, new AtomicInteger()));

    assertThat(second).isInstanceOf(RetryOutcome.Failed.class);
    assertThat(calls("exhausted")).isEqualTo(2);
    assertThat(calls("success")).isZero();
    assertThat(attempts().count()).isEqualTo(2);
    assertThat(attempts().totalAmount()).isEqualTo(6);
    assertThat(delay(false).count()).isEqualTo(4);
  }

  @Test
  void anEmptyBudgetRejectsTheRetryAndItsGaugeShowsTheTokensLeft() {
    RetryBudget budget = RetryBudget.of(2, 1); // a retry needs more than 1 token left
    metrics.budget(budget);
    RetryPolicy<String> policy = policy().budget(budget).build();

    assertThatThrownBy(() -> policy.execute(failing(99, new AtomicInteger()))).isInstanceOf(RetryRejectedException.class);

    assertThat(calls("budget_rejected")).isEqualTo(1);
    assertThat(calls("exhausted")).isZero();
    assertThat(attempts().totalAmount()).isEqualTo(1);
    assertThat(delay(false).count()).isZero();
    assertThat(registry.get("sync.retry.budget.tokens").tag("name", "payments").gauge().value()).isEqualTo(1.0);

    assertThat(policy.execute(() -> "ok")).isEqualTo("ok");
    assertThat(registry.get("sync.retry.budget.tokens").tag("name", "payments").gauge().value()).isEqualTo(2.0);
    assertThat(calls("success")).isEqualTo(1);
  }

  @Test
  void abortedAndNotRetryableFailuresHaveTheirOwnOutcomes() {
    RetryPolicy<String> policy = policy().retryOn(IOException.class).abortOn(IllegalStateException.class).build();

    policy.run(() -> {
      throw new IllegalStateException("stop");
    });
    policy.run(() -> {
      throw new IllegalArgumentException("not retried");
    });

    assertThat(calls("aborted")).isEqualTo(1);
    assertThat(calls("not_retryable")).isEqualTo(1);
    assertThat(attempts().totalAmount()).isEqualTo(2);
  }

  @Test
  void aDelaySetByTheServersHintIsTaggedHint() {
    AtomicInteger calls = new AtomicInteger();
    RetryPolicy<String> policy = policy().build();

    String result = policy.execute(() -> {
      if (calls.incrementAndGet() == 1) {
        throw new Busy(Duration.ofSeconds(5));
      }
      return "ok";
    });

    assertThat(result).isEqualTo("ok");
    assertThat(delay(true).count()).isEqualTo(1);
    assertThat(delay(true).totalTime(TimeUnit.SECONDS)).isEqualTo(5);
    assertThat(delay(false).count()).isZero();
  }

  @Test
  void aForcedOpenBreakerRejectsTheCallAsCircuitOpen() {
    CircuitBreaker breaker = CircuitBreaker.builder("downstream").ticker(time).build();
    breaker.forceOpen();
    RetryPolicy<String> policy = policy().build();

    RetryOutcome<String> outcome = policy.run(() -> breaker.call(() -> "never"));

    assertThat(outcome).isInstanceOf(RetryOutcome.Rejected.class);
    assertThat(calls("circuit_open")).isEqualTo(1);
    assertThat(attempts().count()).isEqualTo(1);
  }

  @Test
  void everyOutcomeIsRegisteredAtZeroBeforeTheFirstCall() {
    assertThat(registry.get("sync.retry.calls").counters()).hasSize(6);
    assertThat(registry.get("sync.retry.calls").counters()).allSatisfy(c -> assertThat(c.count()).isZero());
    assertThat(registry.find("sync.retry.budget.tokens").gauge()).isNull();
  }

  /** A failure that carries a server's Retry-After. */
  static final class Busy extends IOException implements RetryAfterHint {
    private static final long serialVersionUID = 1L;
    private final Duration after;

    Busy(Duration after) {
      super("busy");
      this.after = after;
    }

    @Override
    public Optional<Duration> retryAfter() {
      return Optional.of(after);
    }
  }
}
