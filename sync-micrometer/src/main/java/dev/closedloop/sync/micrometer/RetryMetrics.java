package dev.closedloop.sync.micrometer;

import dev.closedloop.sync.retry.RetryBudget;
import dev.closedloop.sync.retry.RetryDecision;
import dev.closedloop.sync.retry.RetryListener;
import dev.closedloop.sync.retry.RetryOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Meters for the calls of one retry policy (or of several policies that share a name), as a
 * {@link RetryListener} to add to the policy's builder:
 *
 * <pre>{@code
 * RetryMetrics metrics = new RetryMetrics(registry, "payments").budget(sharedBudget);
 * RetryPolicy<Response> policy = RetryPolicy.<Response>builder()
 *     .budget(sharedBudget)
 *     .listener(metrics)
 *     .build();
 * }</pre>
 *
 * <ul>
 *   <li>{@code sync.retry.calls} (counter, tag {@code outcome}): calls ended: {@code success};
 *       {@code exhausted} (attempts, deadline, or a server hint past it); {@code aborted} (an
 *       abort predicate or an interrupt); {@code not_retryable}; {@code budget_rejected}; {@code
 *       circuit_open}.
 *   <li>{@code sync.retry.attempts} (distribution summary): attempts per ended call; its count
 *       is the calls, its total the attempts.
 *   <li>{@code sync.retry.delay} (timer, tag {@code hint}, {@code true} when the server's hint
 *       set the delay): each scheduled wait before a retry; its count is the retries.
 *   <li>{@code sync.retry.budget.tokens} (gauge): tokens left in the budget given to {@link
 *       #budget}.
 * </ul>
 *
 * Every meter is tagged {@code name} and the tags given to the constructor; the README's
 * "Metrics" table lists all meters of this module.
 *
 * <p>All meters but the budget gauge are registered by the constructor, so they read zero until
 * the first call. Recording is a counter increment and, for a retry, a timer update: no lock, no
 * allocation of its own.
 *
 * <p>This class is threadsafe.
 */
public final class RetryMetrics implements RetryListener<Object> {
  private final MeterRegistry registry;
  private final Tags tags;
  private final Counter success;
  private final Counter exhausted;
  private final Counter aborted;
  private final Counter notRetryable;
  private final Counter budgetRejected;
  private final Counter circuitOpen;
  private final DistributionSummary attempts;
  private final Timer backoffDelay;
  private final Timer hintDelay;

  /**
   * Registers the meters of the retry policy called {@code name}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public RetryMetrics(MeterRegistry registry, String name) {
    this(registry, name, Tags.empty());
  }

  /**
   * Registers the meters of the retry policy called {@code name}, with {@code tags} added to
   * each.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public RetryMetrics(MeterRegistry registry, String name, Iterable<Tag> tags) {
    this.registry = Objects.requireNonNull(registry, "registry cannot be null");
    this.tags = Names.base(name, tags);
    this.success = calls("success");
    this.exhausted = calls("exhausted");
    this.aborted = calls("aborted");
    this.notRetryable = calls("not_retryable");
    this.budgetRejected = calls("budget_rejected");
    this.circuitOpen = calls("circuit_open");
    this.attempts = DistributionSummary.builder("sync.retry.attempts")
        .description("Attempts per ended call")
        .baseUnit("attempts")
        .tags(this.tags)
        .register(registry);
    this.backoffDelay = delay(false);
    this.hintDelay = delay(true);
  }

  private Counter calls(String outcome) {
    return Counter.builder("sync.retry.calls")
        .description("Retried calls ended, by outcome")
        .tags(tags)
        .tag("outcome", outcome)
        .register(registry);
  }

  private Timer delay(boolean hint) {
    return Timer.builder("sync.retry.delay")
        .description("Scheduled waits before a retry")
        .tags(tags)
        .tag("hint", Boolean.toString(hint))
        .register(registry);
  }

  /**
   * Registers {@code sync.retry.budget.tokens}, a gauge of the tokens left in {@code budget},
   * tagged like this policy's meters.
   *
   * @return this
   * @throws NullPointerException if {@code budget} is null
   */
  public RetryMetrics budget(RetryBudget budget) {
    Objects.requireNonNull(budget, "budget cannot be null");
    Gauge.builder("sync.retry.budget.tokens", budget, RetryBudget::tokens)
        .description("Tokens left in the retry budget; retries stop at half of the maximum")
        .tags(tags)
        .register(registry);
    return this;
  }

  @Override
  public void onRetryScheduled(
      int attempt, @Nullable Object result, @Nullable Throwable failure, RetryDecision decision) {
    (decision.hintUsed() ? hintDelay : backoffDelay).record(decision.delayNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void onSuccess(int attemptCount, @Nullable Object result) {
    success.increment();
    attempts.record(attemptCount);
  }

  @Override
  public void onFailure(RetryOutcome<Object> outcome) {
    counterFor(outcome).increment();
    attempts.record(outcome.attempts());
  }

  private Counter counterFor(RetryOutcome<Object> outcome) {
    if (outcome instanceof RetryOutcome.Rejected<Object> rejected) {
      return rejected.cause() == RetryOutcome.RejectionCause.BUDGET ? budgetRejected : circuitOpen;
    }
    if (outcome instanceof RetryOutcome.Failed<Object> failed) {
      RetryDecision.Reason reason = failed.reason();
      if (reason.isExhaustion()) {
        return exhausted;
      }
      return reason == RetryDecision.Reason.NOT_RETRYABLE ? notRetryable : aborted;
    }
    return success; // onFailure never receives a Success; count it as one if it ever does
  }

  @Override
  public String toString() {
    return "RetryMetrics" + tags;
  }
}
