package dev.closedloop.sync.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.time.RandomSource;
import java.time.Duration;
import java.util.HashSet;
import java.util.LongSummaryStatistics;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The jitter strategies as pure functions, and the capped backoff they are applied to. */
class JitterTest {
  static final long SECOND = 1_000_000_000L;
  static final double MAX = RandomSource.MAX_DRAW;

  // b = 10 s capped backoff, base 1 s, cap 30 s, previous delay 4 s
  static long apply(Jitter j, double draw) {
    return j.apply(10 * SECOND, SECOND, 30 * SECOND, 4 * SECOND, draw);
  }

  @Test
  void fullJitterIsDrawTimesBackoff() {
    assertThat(apply(Jitter.full(), 0)).isZero();
    assertThat(apply(Jitter.full(), 0.5)).isEqualTo(5 * SECOND);
    assertThat(apply(Jitter.full(), MAX)).isEqualTo(10 * SECOND - 1);
  }

  @Test
  void equalJitterKeepsHalfTheBackoff() {
    assertThat(apply(Jitter.equal(), 0)).isEqualTo(5 * SECOND);
    assertThat(apply(Jitter.equal(), 0.5)).isEqualTo(7_500_000_000L);
    assertThat(apply(Jitter.equal(), MAX)).isEqualTo(10 * SECOND - 1);
  }

  @Test
  void decorrelatedJitterGrowsFromThePreviousDelay() {
    // base + r * (3 * prev - base) = 1 s + r * 11 s, ignoring b
    assertThat(apply(Jitter.decorrelated(), 0)).isEqualTo(SECOND);
    assertThat(apply(Jitter.decorrelated(), 0.5)).isEqualTo(6_500_000_000L);
    assertThat(apply(Jitter.decorrelated(), MAX)).isEqualTo(12 * SECOND - 1);
  }

  @Test
  void decorrelatedJitterIsCapped() {
    Jitter j = Jitter.decorrelated();
    // prev 20 s: 1 s + r * 59 s, capped at 30 s
    assertThat(j.apply(10 * SECOND, SECOND, 30 * SECOND, 20 * SECOND, 0)).isEqualTo(SECOND);
    assertThat(j.apply(10 * SECOND, SECOND, 30 * SECOND, 20 * SECOND, 0.5)).isEqualTo(30 * SECOND);
    assertThat(j.apply(10 * SECOND, SECOND, 30 * SECOND, 20 * SECOND, MAX)).isEqualTo(30 * SECOND);
  }

  @Test
  void factorJitterSpreadsEitherSideOfTheBackoff() {
    Jitter j = Jitter.factor(0.5);
    assertThat(apply(j, 0)).isEqualTo(5 * SECOND);
    assertThat(apply(j, 0.5)).isEqualTo(10 * SECOND);
    assertThat(apply(j, MAX)).isEqualTo(15 * SECOND);
    assertThat(apply(Jitter.factor(0), MAX)).isEqualTo(10 * SECOND);
  }

  @Test
  void noJitterIsTheBackoffItself() {
    assertThat(apply(Jitter.none(), 0)).isEqualTo(10 * SECOND);
    assertThat(apply(Jitter.none(), 0.5)).isEqualTo(10 * SECOND);
    assertThat(apply(Jitter.none(), MAX)).isEqualTo(10 * SECOND);
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.1, 1.01, Double.NaN, Double.POSITIVE_INFINITY})
  void factorOutsideTheUnitIntervalIsRejected(double factor) {
    assertThatThrownBy(() -> Jitter.factor(factor))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("jitter factor must be in [0, 1]: " + factor);
  }

  @Test
  void policyCapsFirstAndJittersAfter() {
    RetryPolicy<Object> policy = RetryPolicy.builder().jitter(Jitter.full()).build(); // 1 s x2, cap 30 s

    assertThat(policy.backoffNanos(1)).isEqualTo(SECOND);
    assertThat(policy.backoffNanos(5)).isEqualTo(16 * SECOND);
    assertThat(policy.backoffNanos(6)).isEqualTo(30 * SECOND);
    assertThat(policy.delayNanos(60, 0, 0.5)).isEqualTo(15 * SECOND); // half the cap, not the cap
    assertThat(policy.delayNanos(6000, 0, 0)).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {60, 6000})
  void delaysAtTheCapAreStillSpread(int attempt) {
    assertSpread(Jitter.full(), attempt, 0, 30 * SECOND);
    assertSpread(Jitter.equal(), attempt, 15 * SECOND, 30 * SECOND);
    assertSpread(Jitter.decorrelated(), attempt, SECOND, 30 * SECOND);
    assertSpread(Jitter.factor(0.5), attempt, 15 * SECOND, 45 * SECOND);
  }

  private static void assertSpread(Jitter jitter, int attempt, long low, long high) {
    RetryPolicy<Object> policy =
        RetryPolicy.builder().jitter(jitter).maxDelay(Duration.ofSeconds(30)).build();
    RandomSource random = RandomSource.seeded(42);
    LongSummaryStatistics stats = new LongSummaryStatistics();
    Set<Long> distinct = new HashSet<>();
    long prev = 0;
    int atCap = 0;
    for (int i = 0; i < 1000; i++) {
      long d = policy.delayNanos(attempt, prev, random.nextDouble());
      atCap += d == 30 * SECOND ? 1 : 0;
      stats.accept(d);
      distinct.add(d);
      prev = d;
    }
    long width = high - low;
    assertThat(stats.getMin()).as("%s min", jitter).isBetween(low, low + width / 10);
    assertThat(stats.getMax()).as("%s max", jitter).isBetween(high - width / 10, high);
    // Decorrelated jitter clips to the cap once the previous delay grew past a third of it, so
    // about a third of its delays sit at the cap; never all, never most.
    assertThat(distinct).as("%s distinct delays", jitter).hasSizeGreaterThan(600);
    assertThat(atCap).as("%s delays equal to the cap", jitter).isLessThan(400);
    assertThat(stats.getMax() - stats.getMin()).as("%s spread", jitter).isGreaterThan(width * 8 / 10);
  }

  @Test
  void backoffSaturatesWithoutOverflowAndNeverDecreases() {
    RetryPolicy<Object> huge =
        RetryPolicy.builder()
            .initialDelay(Duration.ofMillis(1))
            .multiplier(1000)
            .maxDelay(Duration.ofSeconds(Long.MAX_VALUE))
            .noDeadline()
            .build();
    RetryPolicy<Object> seed = RetryPolicy.builder().build();
    for (RetryPolicy<Object> policy : java.util.List.of(huge, seed)) {
      long cap = Math.min(Long.MAX_VALUE, policy.maxDelay().getSeconds() >= Long.MAX_VALUE / SECOND
          ? Long.MAX_VALUE : policy.maxDelay().toNanos());
      long previous = 0;
      for (int attempt = 1; attempt <= 10_000; attempt++) {
        long b = policy.backoffNanos(attempt);
        assertThat(b).as("attempt %d", attempt).isGreaterThanOrEqualTo(previous).isLessThanOrEqualTo(cap);
        previous = b;
      }
      assertThat(policy.backoffNanos(Integer.MAX_VALUE)).isEqualTo(cap);
      assertThat(policy.delayNanos(Integer.MAX_VALUE, Long.MAX_VALUE, MAX)).isBetween(0L, cap);
    }
    assertThat(huge.backoffNanos(2)).isEqualTo(SECOND);
    assertThat(huge.backoffNanos(10)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void backoffOfAttemptBelowOneIsRejected() {
    assertThatThrownBy(() -> RetryPolicy.ofDefaults().backoffNanos(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attempt must be at least 1: 0");
  }

  @Test
  void strategiesNameThemselves() {
    assertThat(Jitter.full()).hasToString("full");
    assertThat(Jitter.equal()).hasToString("equal");
    assertThat(Jitter.decorrelated()).hasToString("decorrelated");
    assertThat(Jitter.none()).hasToString("none");
    assertThat(Jitter.factor(0.25)).hasToString("factor(0.25)");
  }
}
