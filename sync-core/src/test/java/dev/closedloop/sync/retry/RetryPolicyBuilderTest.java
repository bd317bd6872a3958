package dev.closedloop.sync.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.time.ManualTicker;
import dev.closedloop.sync.time.RandomSource;
import dev.closedloop.sync.time.VirtualScheduler;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every option's validation, the defaults, and that {@code build()} copies. */
class RetryPolicyBuilderTest {
  final RetryPolicyBuilder<String> builder = RetryPolicy.builder();

  @Test
  void defaultsAreTheSeeds() {
    RetryPolicy<String> p = RetryPolicy.ofDefaults();

    assertThat(p.maxAttempts()).isEqualTo(3);
    assertThat(p.initialDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.multiplier()).isEqualTo(2.0);
    assertThat(p.maxDelay()).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.deadline()).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.attemptTimeout()).isNull();
    assertThat(p.jitter()).isSameAs(Jitter.full());
    assertThat(p.random()).isSameAs(RandomSource.system());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
  void maxAttemptsBelowOneIsRejected(int attempts) {
    assertThatThrownBy(() -> builder.maxAttempts(attempts))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxAttempts must be at least 1: " + attempts);
  }

  @Test
  void nullDurationsAreRejected() {
    assertThatThrownBy(() -> builder.initialDelay(null)).isInstanceOf(NullPointerException.class).hasMessage("initialDelay cannot be null");
    assertThatThrownBy(() -> builder.maxDelay(null)).isInstanceOf(NullPointerException.class).hasMessage("maxDelay cannot be null");
    assertThatThrownBy(() -> builder.fixedDelay(null)).isInstanceOf(NullPointerException.class).hasMessage("delay cannot be null");
    assertThatThrownBy(() -> builder.deadline(null)).isInstanceOf(NullPointerException.class).hasMessage("deadline cannot be null");
    assertThatThrownBy(() -> builder.attemptTimeout(null)).isInstanceOf(NullPointerException.class).hasMessage("attemptTimeout cannot be null");
  }

  @Test
  void negativeDelaysAreRejectedAndZeroIsAllowed() {
    Duration negative = Duration.ofMillis(-1);
    assertThatThrownBy(() -> builder.initialDelay(negative)).isInstanceOf(IllegalArgumentException.class).hasMessage("initialDelay must not be negative: PT-0.001S");
    assertThatThrownBy(() -> builder.maxDelay(negative)).isInstanceOf(IllegalArgumentException.class).hasMessage("maxDelay must not be negative: PT-0.001S");
    assertThatThrownBy(() -> builder.fixedDelay(negative)).isInstanceOf(IllegalArgumentException.class).hasMessage("delay must not be negative: PT-0.001S");

    RetryPolicy<String> zero = builder.fixedDelay(Duration.ZERO).build();
    assertThat(zero.backoffNanos(5)).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"PT0S", "PT-1S"})
  void deadlineAndAttemptTimeoutMustBePositive(String value) {
    Duration d = Duration.parse(value);
    assertThatThrownBy(() -> builder.deadline(d)).isInstanceOf(IllegalArgumentException.class).hasMessage("deadline must be positive: " + d);
    assertThatThrownBy(() -> builder.attemptTimeout(d)).isInstanceOf(IllegalArgumentException.class).hasMessage("attemptTimeout must be positive: " + d);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.999, 0, -2, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void multiplierMustBeAFiniteNumberOfAtLeastOne(double m) {
    assertThatThrownBy(() -> builder.multiplier(m))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("multiplier must be a finite number >= 1: " + m);
  }

  @Test
  void multiplierOfOneGivesAConstantBackoff() {
    RetryPolicy<String> p = builder.multiplier(1).build();
    assertThat(p.backoffNanos(1)).isEqualTo(p.backoffNanos(50)).isEqualTo(1_000_000_000L);
  }

  @Test
  void nullCollaboratorsAreRejected() {
    assertThatThrownBy(() -> builder.jitter(null)).isInstanceOf(NullPointerException.class).hasMessage("jitter cannot be null");
    assertThatThrownBy(() -> builder.random(null)).isInstanceOf(NullPointerException.class).hasMessage("random cannot be null");
    assertThatThrownBy(() -> builder.ticker(null)).isInstanceOf(NullPointerException.class).hasMessage("ticker cannot be null");
    assertThatThrownBy(() -> builder.scheduler(null)).isInstanceOf(NullPointerException.class).hasMessage("scheduler cannot be null");
    assertThatThrownBy(() -> builder.hints(null)).isInstanceOf(NullPointerException.class).hasMessage("hints cannot be null");
    assertThatThrownBy(() -> builder.budget(null)).isInstanceOf(NullPointerException.class).hasMessage("budget cannot be null");
    assertThatThrownBy(() -> builder.listener(null)).isInstanceOf(NullPointerException.class).hasMessage("listener cannot be null");
  }

  @Test
  void nullPredicatesAreRejected() {
    assertThatThrownBy(() -> builder.retryIf(null)).isInstanceOf(NullPointerException.class).hasMessage("predicate cannot be null");
    assertThatThrownBy(() -> builder.abortIf(null)).isInstanceOf(NullPointerException.class).hasMessage("predicate cannot be null");
    assertThatThrownBy(() -> builder.retryOnResult(null)).isInstanceOf(NullPointerException.class).hasMessage("predicate cannot be null");
    assertThatThrownBy(() -> builder.abortOnResult(null)).isInstanceOf(NullPointerException.class).hasMessage("predicate cannot be null");
  }

  @Test
  @SuppressWarnings("unchecked")
  void typeListsMustBeNonEmptyAndWithoutNulls() {
    assertThatThrownBy(() -> builder.retryOn()).isInstanceOf(IllegalArgumentException.class).hasMessage("failureTypes must name at least one type");
    assertThatThrownBy(() -> builder.abortOn()).isInstanceOf(IllegalArgumentException.class).hasMessage("failureTypes must name at least one type");
    assertThatThrownBy(() -> builder.retryOn((Class<? extends Throwable>[]) null)).isInstanceOf(NullPointerException.class).hasMessage("failureTypes cannot be null");
    assertThatThrownBy(() -> builder.abortOn(IOException.class, null)).isInstanceOf(NullPointerException.class).hasMessage("failureTypes cannot contain null");
  }

  @Test
  void maxDelayBelowInitialDelayIsAConflictFoundByBuild() {
    builder.initialDelay(Duration.ofMinutes(1)); // fine alone: maxDelay may still be raised

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxDelay (PT30S) must not be less than initialDelay (PT1M)");
    assertThat(builder.maxDelay(Duration.ofMinutes(2)).build().maxDelay()).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void attemptTimeoutLongerThanTheDeadlineIsAConflict() {
    builder.attemptTimeout(Duration.ofSeconds(31));

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("attemptTimeout (PT31S) must not exceed the deadline (PT30S)");
    assertThat(builder.deadline(Duration.ofSeconds(31)).build().attemptTimeout()).isEqualTo(Duration.ofSeconds(31));
    assertThat(builder.noDeadline().build().deadline()).isNull();
  }

  @Test
  void buildCopiesSoLaterChangesToTheBuilderDoNotLeakIn() {
    RetryPolicy<String> built = builder.build();

    builder
        .maxAttempts(9)
        .initialDelay(Duration.ofSeconds(2))
        .deadline(Duration.ofMinutes(5))
        .retryOn(IOException.class)
        .abortOnResult("x"::equals)
        .listener(new RetryListener<>() {});

    assertThat(built.maxAttempts()).isEqualTo(3);
    assertThat(built.initialDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(built.deadline()).isEqualTo(Duration.ofSeconds(30));
    // still retries any Exception, still accepts "x"
    assertThat(built.decide(1, null, new IllegalStateException(), 0, 0, 0.5).shouldRetry()).isTrue();
    assertThat(built.decide(1, "x", null, 0, 0, 0.5).reason()).isEqualTo(RetryDecision.Reason.SUCCEEDED);
    assertThat(builder.build().decide(1, null, new IllegalStateException(), 0, 0, 0.5).reason())
        .isEqualTo(RetryDecision.Reason.NOT_RETRYABLE);
  }

  @Test
  void toBuilderRoundTripsEverySetting() {
    ManualTicker ticker = new ManualTicker();
    VirtualScheduler scheduler = new VirtualScheduler(ticker);
    RetryBudget budget = RetryBudget.ofDefaults();
    RandomSource random = RandomSource.fixed(0.25);
    RetryPolicy<String> original =
        builder
            .maxAttempts(5)
            .initialDelay(Duration.ofMillis(200))
            .multiplier(3)
            .maxDelay(Duration.ofSeconds(10))
            .deadline(Duration.ofSeconds(20))
            .attemptTimeout(Duration.ofSeconds(2))
            .jitter(Jitter.equal())
            .random(random)
            .ticker(ticker)
            .scheduler(scheduler)
            .retryOn(IOException.class)
            .abortOnResult("fatal"::equals)
            .retryOnResult("busy"::equals)
            .budget(budget)
            .build();

    RetryPolicy<String> copy = original.toBuilder().build();
    RetryPolicy<String> changed = original.toBuilder().maxAttempts(1).build();

    assertThat(copy.maxAttempts()).isEqualTo(5);
    assertThat(copy.initialDelay()).isEqualTo(Duration.ofMillis(200));
    assertThat(copy.multiplier()).isEqualTo(3);
    assertThat(copy.maxDelay()).isEqualTo(Duration.ofSeconds(10));
    assertThat(copy.deadline()).isEqualTo(Duration.ofSeconds(20));
    assertThat(copy.attemptTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(copy.jitter()).isSameAs(Jitter.equal());
    assertThat(copy.random()).isSameAs(random);
    assertThat(copy.ticker()).isSameAs(ticker);
    assertThat(copy.scheduler()).isSameAs(scheduler);
    for (RetryPolicy<String> p : java.util.List.of(original, copy)) {
      assertThat(p.decide(1, null, new IOException(), 0, 0, 0.5).delay()).isEqualTo(Duration.ofMillis(150));
      assertThat(p.decide(1, null, new IllegalStateException(), 0, 0, 0.5).reason()).isEqualTo(RetryDecision.Reason.NOT_RETRYABLE);
      assertThat(p.decide(1, "busy", null, 0, 0, 0.5).shouldRetry()).isTrue();
      assertThat(p.decide(1, "fatal", null, 0, 0, 0.5).reason()).isEqualTo(RetryDecision.Reason.ABORTED);
    }
    assertThat(original.maxAttempts()).isEqualTo(5);
    assertThat(changed.maxAttempts()).isEqualTo(1);
    assertThat(copy.toString()).isEqualTo(original.toString());
  }

  @Test
  void abortPredicatesWinOverRetryPredicates() {
    RetryPolicy<String> p = builder.retryOn(IOException.class).abortIf(e -> e.getMessage().equals("fatal")).build();

    assertThat(p.decide(1, null, new IOException("fatal"), 0, 0, 0.5).reason()).isEqualTo(RetryDecision.Reason.ABORTED);
    assertThat(p.decide(1, null, new IOException("blip"), 0, 0, 0.5).shouldRetry()).isTrue();
  }

  @Test
  void errorsAreNotRetriedByDefault() {
    assertThat(RetryPolicy.ofDefaults().decide(1, null, new OutOfMemoryError(), 0, 0, 0.5).reason())
        .isEqualTo(RetryDecision.Reason.NOT_RETRYABLE);
  }
}
