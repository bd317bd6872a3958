package dev.closedloop.sync.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.closedloop.sync.time.RandomSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  static long ms(long millis) {
    return Duration.ofMillis(millis).toNanos();
  }

  @Test
  void delaysGrowFromTheInitialDelayToTheCapWithoutJitter() {
    RetryPolicy<Object> p = RetryPolicy.builder().initialDelay(Duration.ofMillis(500)).maxDelay(Duration.ofSeconds(3))
        .jitter(Jitter.none()).build();
    Backoff b = Backoff.of(p);

    assertThat(b.failures()).isZero();
    assertThat(new long[] {b.nextDelayNanos(), b.nextDelayNanos(), b.nextDelayNanos(), b.nextDelayNanos(),
        b.nextDelayNanos()}).containsExactly(ms(500), ms(1000), ms(2000), ms(3000), ms(3000));
    assertThat(b.failures()).isEqualTo(5);
  }

  @Test
  void resetStartsAgainFromTheFirstDelay() {
    RetryPolicy<Object> p = RetryPolicy.builder().initialDelay(Duration.ofMillis(100)).jitter(Jitter.none()).build();
    Backoff b = Backoff.of(p);
    b.nextDelayNanos();
    b.nextDelayNanos();

    b.reset();

    assertThat(b.failures()).isZero();
    assertThat(b.nextDelayNanos()).isEqualTo(ms(100));
  }

  @Test
  void fullJitterTakesOneDrawPerDelayFromThePolicysSource() {
    RetryPolicy<Object> p = RetryPolicy.builder().initialDelay(Duration.ofSeconds(1)).jitter(Jitter.full())
        .random(RandomSource.fixed(0.0, 0.5, 0.999)).build();
    Backoff b = Backoff.of(p);

    assertThat(b.nextDelayNanos()).isZero(); // 1 s × 0
    assertThat(b.nextDelayNanos()).isEqualTo(ms(1000)); // 2 s × 0.5
    assertThat(b.nextDelayNanos()).isEqualTo((long) (0.999 * ms(4000))); // 4 s × 0.999
  }

  @Test
  void decorrelatedJitterIsFedTheDelayBeforeIt() {
    RetryPolicy<Object> p = RetryPolicy.builder().initialDelay(Duration.ofMillis(100)).maxDelay(Duration.ofSeconds(10))
        .jitter(Jitter.decorrelated()).random(RandomSource.fixed(0.5)).build();
    Backoff b = Backoff.of(p);

    long first = b.nextDelayNanos(); // between 100 ms and 3 × 100 ms
    long second = b.nextDelayNanos(); // between 100 ms and 3 × first

    assertThat(first).isEqualTo(ms(200));
    assertThat(second).isEqualTo(ms(100) + (ms(600) - ms(100)) / 2);
  }

  @Test
  void matchesWhatThePolicyItselfComputesForTheSameDraws() {
    RetryPolicy<Object> p = RetryPolicy.builder().initialDelay(Duration.ofMillis(250)).multiplier(3)
        .maxDelay(Duration.ofSeconds(20)).jitter(Jitter.equal()).random(RandomSource.fixed(0.25)).build();
    Backoff b = Backoff.of(p);
    long previous = p.initialDelay().toNanos();
    for (int failure = 1; failure <= 8; failure++) {
      long expected = p.delayNanos(failure, previous, 0.25);
      assertThat(b.nextDelayNanos()).as("failure %d", failure).isEqualTo(expected);
      previous = expected;
    }
  }

  @Test
  void aNullPolicyIsRefused() {
    assertThatNullPointerException().isThrownBy(() -> Backoff.of(null)).withMessage("policy cannot be null");
  }
}
