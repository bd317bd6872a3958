package dev.closedloop.sync.retry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.breaker.CircuitBreaker;
import dev.closedloop.sync.time.RandomSource;
import dev.closedloop.sync.time.VirtualScheduler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A real {@link CircuitBreaker} inside a real {@link RetryPolicy}, on virtual time: a call the
 * open breaker refuses is not retried before the breaker would admit a trial, and the refusal is
 * neither an attempt nor a budget cost.
 */
class RetryWithCircuitBreakerTest {
  private final VirtualScheduler scheduler = new VirtualScheduler();
  private final CircuitBreaker breaker =
      CircuitBreaker.builder("inventory")
          .countWindow(4)
          .minimumNumberOfCalls(4)
          .failureRateThreshold(50)
          .waitInOpen(Duration.ofSeconds(10))
          .halfOpenTrials(1)
          .ticker(scheduler.ticker())
          .build();

  @Test
  void refusedCallWaitsUntilTheTrialAndSucceedsWithoutSpendingAnAttempt() {
    tripBreaker();
    RetryBudget budget = RetryBudget.of(10, 0.1);
    RetryPolicy<String> policy =
        RetryPolicy.<String>builder()
            .maxAttempts(2)
            .fixedDelay(Duration.ofMillis(100))
            .deadline(Duration.ofSeconds(30))
            .jitter(Jitter.none())
            .random(RandomSource.fixed(0.5))
            .budget(budget)
            .scheduler(scheduler)
            .ticker(scheduler.ticker())
            .build();
    AtomicInteger downstreamCalls = new AtomicInteger();
    long start = scheduler.ticker().read();

    CompletableFuture<String> result =
        policy.executeAsync(
            () -> breaker.callAsync(() -> {
              downstreamCalls.incrementAndGet();
              return CompletableFuture.completedFuture("ok");
            }));
    scheduler.advance(Duration.ofSeconds(30));

    assertThat(result).isCompletedWithValue("ok");
    assertThat(downstreamCalls).hasValue(1);
    assertThat(scheduler.ticker().read() - start).isGreaterThanOrEqualTo(Duration.ofSeconds(10).toNanos());
    assertThat(budget.tokens()).isEqualTo(10.0);
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(breaker.metrics().rejectedCalls()).isEqualTo(1);
  }

  @Test
  void refusalThatOutlastsTheDeadlineIsRejectedNotExhausted() {
    tripBreaker();
    RetryPolicy<String> policy =
        RetryPolicy.<String>builder()
            .maxAttempts(5)
            .fixedDelay(Duration.ofMillis(100))
            .deadline(Duration.ofSeconds(5))
            .scheduler(scheduler)
            .ticker(scheduler.ticker())
            .build();
    AtomicInteger downstreamCalls = new AtomicInteger();

    CompletableFuture<RetryOutcome<String>> outcome =
        policy.runAsync(
            () -> breaker.callAsync(() -> {
              downstreamCalls.incrementAndGet();
              return CompletableFuture.completedFuture("ok");
            }));
    scheduler.advance(Duration.ofSeconds(30));

    assertThat(outcome).isCompleted();
    assertThat(outcome.join()).isInstanceOfSatisfying(RetryOutcome.Rejected.class, rejected -> {
      assertThat(rejected.cause()).isEqualTo(RetryOutcome.RejectionCause.CIRCUIT_OPEN);
      assertThat(rejected.attempts()).isZero();
    });
    assertThat(downstreamCalls).hasValue(0);
  }

  private void tripBreaker() {
    for (int i = 0; i < 4; i++) {
      try {
        breaker.call(() -> {
          throw new UncheckedIOException(new IOException("connection refused"));
        });
      } catch (UncheckedIOException expected) {
        // counted by the breaker
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
  }
}
