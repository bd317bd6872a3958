package dev.closedloop.sync.examples;

import dev.closedloop.sync.breaker.CircuitBreaker;
import dev.closedloop.sync.examples.SimulatedSmsGateway.SmsGatewayException;
import dev.closedloop.sync.micrometer.BreakerMetrics;
import dev.closedloop.sync.micrometer.RetryMetrics;
import dev.closedloop.sync.retry.AttemptTimeoutException;
import dev.closedloop.sync.retry.RetryBudget;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.RandomSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;

/**
 * Sends text messages through the flaky {@link SimulatedSmsGateway}, guarded by the three
 * sync-core tools: a retry policy (4 attempts, 100 ms doubling to 1 s, full jitter, 5 s
 * deadline, 1 s per attempt), a circuit breaker that stops calling a gateway that mostly fails,
 * and a retry budget that keeps retries to about a tenth of the traffic while it is down. All
 * three report to Micrometer ({@code sync.retry.*}, {@code sync.breaker.*}, name {@code
 * sms-gateway}).
 *
 * <p>This class is threadsafe.
 */
final class SmsSender {
  private final SimulatedSmsGateway gateway;
  private final CircuitBreaker breaker;
  private final RetryBudget budget;
  private final RetryPolicy<String> policy;

  SmsSender(SimulatedSmsGateway gateway, RandomSource random, MeterRegistry registry) {
    this.gateway = gateway;
    this.breaker = new BreakerMetrics(registry).build(CircuitBreaker.builder("sms-gateway")
        .countWindow(20)
        .minimumNumberOfCalls(10)
        .failureRateThreshold(50)
        .waitInOpen(Duration.ofSeconds(2))
        .halfOpenTrials(2));
    this.budget = RetryBudget.ofDefaults();
    this.policy = RetryPolicy.<String>builder()
        .maxAttempts(4)
        .initialDelay(Duration.ofMillis(100))
        .maxDelay(Duration.ofSeconds(1))
        .deadline(Duration.ofSeconds(5))
        .attemptTimeout(Duration.ofSeconds(1))
        .retryOn(SmsGatewayException.class, AttemptTimeoutException.class)
        .budget(budget)
        .random(random)
        .listener(new RetryMetrics(registry, "sms-gateway").budget(budget))
        .build();
  }

  /**
   * Sends a message once per {@code messageKey}, retrying through the breaker.
   *
   * @return the gateway's message id
   * @throws dev.closedloop.sync.retry.RetryExhaustedException if every attempt failed
   * @throws dev.closedloop.sync.retry.RetryRejectedException if the breaker or the budget refused
   */
  String send(String messageKey, String to, String text) {
    return policy.execute(() -> breaker.call(() -> gateway.send(messageKey, to, text)));
  }

  CircuitBreaker breaker() {
    return breaker;
  }

  RetryBudget budget() {
    return budget;
  }

  SimulatedSmsGateway gateway() {
    return gateway;
  }
}
