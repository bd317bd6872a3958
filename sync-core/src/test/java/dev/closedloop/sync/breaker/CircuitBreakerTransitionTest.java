package dev.closedloop.sync.breaker;

import static dev.closedloop.sync.breaker.CircuitBreaker.State.CLOSED;
import static dev.closedloop.sync.breaker.CircuitBreaker.State.DISABLED;
import static dev.closedloop.sync.breaker.CircuitBreaker.State.FORCED_OPEN;
import static dev.closedloop.sync.breaker.CircuitBreaker.State.HALF_OPEN;
import static dev.closedloop.sync.breaker.CircuitBreaker.State.OPEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.time.ManualTicker;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Every transition, on a manual ticker. */
class CircuitBreakerTransitionTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final ManualTicker time = new ManualTicker();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final CircuitBreakerListener recorder =
      new CircuitBreakerListener() {
        @Override
        public void onStateTransition(String name, CircuitBreaker.State from, CircuitBreaker.State to) {
          events.add(from + "->" + to);
        }
      };

  private CircuitBreakerBuilder builder() {
    return CircuitBreaker.builder("test")
        .ticker(time)
        .countWindow(10)
        .minimumNumberOfCalls(10)
        .failureRateThreshold(50)
        .waitInOpen(WAIT)
        .halfOpenTrials(3)
        .listener(recorder);
  }

  static void succeed(CircuitBreaker b, int times) {
    for (int i = 0; i < times; i++) {
      b.onSuccess(b.acquirePermission(), 0);
    }
  }

  static void fail(CircuitBreaker b, int times) {
    for (int i = 0; i < times; i++) {
      b.onFailure(b.acquirePermission(), 0, new IOException("down"));
    }
  }

  private CircuitBreaker tripped(CircuitBreakerBuilder builder) {
    CircuitBreaker b = builder.build();
    fail(b, 10);
    assertThat(b.state()).isEqualTo(OPEN);
    return b;
  }

  private static long untilTrial(CircuitBreaker b) {
    try {
      b.acquirePermission();
    } catch (CircuitOpenException e) {
      return e.untilTrialNanos();
    }
    throw new AssertionError("expected a rejection");
  }

  @Test
  void closedOpensWhenTheFailureRateReachesTheThreshold() {
    CircuitBreaker b = builder().build();
    succeed(b, 5);
    fail(b, 4);
    assertThat(b.state()).isEqualTo(CLOSED);
    fail(b, 1); // 5 of 10 failed: 50 %
    assertThat(b.state()).isEqualTo(OPEN);
    CircuitBreakerMetrics m = b.metrics();
    assertThat(m.failureRate()).isEqualTo(50f);
    assertThat(m.bufferedCalls()).isEqualTo(10);
    assertThat(m.failedCalls()).isEqualTo(5);
    assertThat(m.successfulCalls()).isEqualTo(5);
    assertThat(events).containsExactly("CLOSED->OPEN");
  }

  @Test
  void staysClosedJustBelowTheThreshold() {
    CircuitBreaker b = builder().build();
    succeed(b, 6);
    fail(b, 4);
    assertThat(b.state()).isEqualTo(CLOSED);
    assertThat(b.metrics().failureRate()).isEqualTo(40f);
    // The window slides: the oldest successes leave as new failures arrive.
    fail(b, 1); // window: 5 successes, 5 failures
    assertThat(b.state()).isEqualTo(OPEN);
  }

  @Test
  void doesNotJudgeBeforeTheMinimumNumberOfCalls() {
    CircuitBreaker b = builder().countWindow(20).minimumNumberOfCalls(5).build();
    fail(b, 4);
    assertThat(b.state()).isEqualTo(CLOSED);
    assertThat(b.metrics().failureRate()).isEqualTo(-1f);
    fail(b, 1);
    assertThat(b.state()).isEqualTo(OPEN);
  }

  @Test
  void successesCountedBeforeAFailureReachTheMinimum() {
    CircuitBreaker b = builder().countWindow(4).minimumNumberOfCalls(4).build();
    succeed(b, 2);
    fail(b, 1);
    assertThat(b.state()).isEqualTo(CLOSED);
    fail(b, 1); // 4 calls, 2 failed
    assertThat(b.state()).isEqualTo(OPEN);
  }

  @Test
  void closedOpensWhenTheSlowCallRateReachesTheThreshold() {
    CircuitBreaker b =
        builder()
            .failureRateThreshold(100)
            .slowCallDurationThreshold(Duration.ofSeconds(1))
            .slowCallRateThreshold(30)
            .build();
    long slow = Duration.ofSeconds(1).toNanos();
    for (int i = 0; i < 7; i++) {
      b.onSuccess(b.acquirePermission(), slow - 1);
    }
    b.onSuccess(b.acquirePermission(), slow);
    b.onFailure(b.acquirePermission(), slow * 5, new IOException("slow and failed"));
    assertThat(b.state()).isEqualTo(CLOSED);
    assertThat(b.metrics().slowCalls()).isEqualTo(2);
    b.onSuccess(b.acquirePermission(), slow); // 3 of 10 slow: 30 %
    assertThat(b.state()).isEqualTo(OPEN);
    assertThat(b.metrics().slowCallRate()).isEqualTo(30f);
    assertThat(b.metrics().totalSlowCalls()).isEqualTo(3);
  }

  @Test
  void withoutSlowCallDetectionDurationsAreIgnoredAndThePermittedPathNeverReadsTheTicker() {
    long[] reads = {0};
    CircuitBreaker b =
        builder()
            .ticker(
                () -> {
                  reads[0]++;
                  return time.read();
                })
            .build();
    long readsAfterBuild = reads[0];
    for (int i = 0; i < 1_000; i++) {
      b.onSuccess(b.acquirePermission(), Long.MAX_VALUE - 1);
    }
    assertThat(reads[0]).isEqualTo(readsAfterBuild);
    assertThat(b.metrics().totalSlowCalls()).isZero();
    assertThat(b.metrics().totalSuccessfulCalls()).isEqualTo(1_000);
  }

  @Test
  void openMovesToHalfOpenLazilyOnTheFirstCallAfterTheWait() {
    CircuitBreaker b = tripped(builder());
    assertThat(untilTrial(b)).isEqualTo(WAIT.toNanos());
    time.advance(WAIT.minusNanos(1));
    assertThat(untilTrial(b)).isEqualTo(1);
    time.advanceNanos(1);
    assertThat(b.state()).isEqualTo(OPEN); // nothing happens until a call comes
    long permit = b.acquirePermission();
    assertThat(b.state()).isEqualTo(HALF_OPEN);
    assertThat(permit).isNotNegative();
    assertThat(events).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN");
  }

  @Test
  void halfOpenAdmitsExactlyNTrialsAndClosesWhenAllSucceed() {
    CircuitBreaker b = tripped(builder());
    time.advance(WAIT);
    long[] permits = {b.acquirePermission(), b.acquirePermission(), b.acquirePermission()};
    assertThat(permits).doesNotHaveDuplicates();
    assertThat(b.tryAcquirePermission()).isEqualTo(CircuitBreaker.NO_PERMIT);
    assertThatThrownBy(b::acquirePermission).isInstanceOf(CircuitOpenException.class);
    b.onSuccess(permits[0], 0);
    b.onSuccess(permits[1], 0);
    assertThat(b.state()).isEqualTo(HALF_OPEN);
    assertThat(b.metrics().successfulCalls()).isEqualTo(2);
    b.onSuccess(permits[2], 0);
    assertThat(b.state()).isEqualTo(CLOSED);
    assertThat(b.metrics().bufferedCalls()).isZero(); // a fresh window
    assertThat(events).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
    assertThat(b.metrics().rejectedCalls()).isEqualTo(2);
  }

  @Test
  void halfOpenReopensOnTheFirstFailedTrial() {
    CircuitBreaker b = tripped(builder());
    time.advance(WAIT);
    long first = b.acquirePermission();
    long second = b.acquirePermission();
    b.onSuccess(first, 0);
    b.onFailure(second, 0, new IOException("still down"));
    assertThat(b.state()).isEqualTo(OPEN);
    assertThat(untilTrial(b)).isEqualTo(WAIT.toNanos());
    assertThat(events).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN");
  }

  @Test
  void aSlowTrialReopens() {
    CircuitBreaker b = tripped(builder().slowCallDurationThreshold(Duration.ofMillis(100)));
    time.advance(WAIT);
    b.onSuccess(b.acquirePermission(), Duration.ofMillis(100).toNanos());
    assertThat(b.state()).isEqualTo(OPEN);
  }

  @Test
  void theWaitInOpenGrowsWithEachReopenUpToTheMaximumAndRestartsAfterClosing() {
    CircuitBreaker b =
        tripped(builder().waitInOpen(Duration.ofSeconds(10), 2.0, Duration.ofSeconds(25)));
    long[] expected = {10, 20, 25, 25};
    for (long seconds : expected) {
      assertThat(untilTrial(b)).isEqualTo(Duration.ofSeconds(seconds).toNanos());
      time.advance(Duration.ofSeconds(seconds));
      b.onFailure(b.acquirePermission(), 0, new IOException("still down"));
      assertThat(b.state()).isEqualTo(OPEN);
    }
    time.advance(Duration.ofSeconds(25));
    succeed(b, 3);
    assertThat(b.state()).isEqualTo(CLOSED);
    fail(b, 10);
    assertThat(untilTrial(b)).isEqualTo(Duration.ofSeconds(10).toNanos());
  }

  @Test
  void forcedOpenRefusesEverythingUntilReset() {
    CircuitBreaker b = builder().build();
    b.forceOpen();
    assertThat(b.state()).isEqualTo(FORCED_OPEN);
    time.advance(Duration.ofDays(365));
    assertThat(untilTrial(b)).isEqualTo(Long.MAX_VALUE);
    assertThat(b.tryAcquirePermission()).isEqualTo(CircuitBreaker.NO_PERMIT);
    b.forceOpen(); // already: no event
    b.reset();
    assertThat(b.state()).isEqualTo(CLOSED);
    succeed(b, 1);
    assertThat(events).containsExactly("CLOSED->FORCED_OPEN", "FORCED_OPEN->CLOSED");
    assertThat(b.metrics().rejectedCalls()).isEqualTo(2);
  }

  @Test
  void disabledPermitsEverythingAndRecordsNothingUntilReset() {
    CircuitBreaker b = builder().build();
    b.disable();
    fail(b, 50);
    assertThat(b.state()).isEqualTo(DISABLED);
    CircuitBreakerMetrics m = b.metrics();
    assertThat(m.bufferedCalls()).isZero();
    assertThat(m.totalFailedCalls()).isZero();
    b.reset();
    assertThat(b.state()).isEqualTo(CLOSED);
    fail(b, 10);
    assertThat(b.state()).isEqualTo(OPEN);
    assertThat(events).containsExactly("CLOSED->DISABLED", "DISABLED->CLOSED", "CLOSED->OPEN");
  }

  @Test
  void resetClosesWithAnEmptyWindowFromAnyState() {
    CircuitBreaker b = builder().build();
    fail(b, 9);
    b.reset();
    assertThat(b.metrics().bufferedCalls()).isZero();
    fail(b, 1);
    assertThat(b.state()).isEqualTo(CLOSED);
    assertThat(b.metrics().bufferedCalls()).isEqualTo(1);
    assertThat(b.metrics().totalFailedCalls()).isEqualTo(10);

    fail(b, 9);
    assertThat(b.state()).isEqualTo(OPEN);
    b.reset();
    assertThat(b.state()).isEqualTo(CLOSED);
    time.advance(WAIT);
    fail(b, 1);
    assertThat(b.state()).isEqualTo(CLOSED);
  }

  @Test
  void ignoredFailuresCountAsNeitherSuccessNorFailure() {
    CircuitBreaker b = builder().ignore(e -> e instanceof IllegalStateException).build();
    for (int i = 0; i < 20; i++) {
      b.onFailure(b.acquirePermission(), 0, new IllegalStateException("client bug"));
    }
    CircuitBreakerMetrics m = b.metrics();
    assertThat(b.state()).isEqualTo(CLOSED);
    assertThat(m.bufferedCalls()).isZero();
    assertThat(m.totalIgnoredCalls()).isEqualTo(20);
    assertThat(m.totalFailedCalls()).isZero();
    assertThat(m.totalSuccessfulCalls()).isZero();
  }

  @Test
  void failuresTheRecordPredicateRejectsCountAsSuccesses() {
    CircuitBreaker b =
        builder()
            .recordFailure(e -> e instanceof IOException)
            .ignore(e -> e instanceof IllegalStateException)
            .build();
    for (int i = 0; i < 10; i++) {
      b.onFailure(b.acquirePermission(), 0, new IllegalArgumentException("bad input"));
    }
    fail(b, 4);
    assertThat(b.state()).isEqualTo(CLOSED);
    assertThat(b.metrics().successfulCalls()).isEqualTo(6);
    assertThat(b.metrics().failedCalls()).isEqualTo(4);
    fail(b, 1);
    assertThat(b.state()).isEqualTo(OPEN);
  }

  @Test
  void anIgnoredFailureOfATrialFreesItsLease() {
    CircuitBreaker b = tripped(builder().halfOpenTrials(1).ignore(e -> e instanceof IllegalStateException));
    time.advance(WAIT);
    long trial = b.acquirePermission();
    assertThat(b.tryAcquirePermission()).isEqualTo(CircuitBreaker.NO_PERMIT);
    b.onFailure(trial, 0, new IllegalStateException("ignored"));
    assertThat(b.state()).isEqualTo(HALF_OPEN);
    b.onSuccess(b.acquirePermission(), 0);
    assertThat(b.state()).isEqualTo(CLOSED);
  }

  @Test
  void aResultReportedAfterAStateChangeDoesNotCount() {
    CircuitBreaker b = builder().build();
    long early = b.acquirePermission();
    fail(b, 10);
    assertThat(b.state()).isEqualTo(OPEN);
    long failedBefore = b.metrics().totalFailedCalls();
    b.onFailure(early, 0, new IOException("late"));
    b.onSuccess(early, 0);
    assertThat(b.metrics().totalFailedCalls()).isEqualTo(failedBefore);
    assertThat(b.metrics().totalSuccessfulCalls()).isZero();

    // A permit of a CLOSED generation does not count in the next CLOSED generation either.
    b.reset();
    b.onFailure(early, 0, new IOException("late"));
    b.onSuccess(early, 0);
    assertThat(b.metrics().bufferedCalls()).isZero();
    assertThat(b.metrics().totalSuccessfulCalls()).isZero();
    assertThat(b.metrics().totalFailedCalls()).isEqualTo(failedBefore);

    // A trial permit of one HALF_OPEN episode does not count in the next.
    fail(b, 10);
    time.advance(WAIT);
    long oldTrial = b.acquirePermission();
    b.onFailure(b.acquirePermission(), 0, new IOException("still down")); // reopens
    time.advance(WAIT);
    long newTrial = b.acquirePermission();
    b.onSuccess(oldTrial, 0);
    b.onSuccess(oldTrial, 0);
    b.onSuccess(oldTrial, 0);
    assertThat(b.state()).isEqualTo(HALF_OPEN);
    assertThat(b.metrics().successfulCalls()).isZero();
    b.onSuccess(newTrial, 0);
    assertThat(b.metrics().successfulCalls()).isEqualTo(1);
  }

  @Test
  void aTrialPermitReportedTwiceCountsOnce() {
    CircuitBreaker b = tripped(builder());
    time.advance(WAIT);
    long trial = b.acquirePermission();
    b.onSuccess(trial, 0);
    b.onSuccess(trial, 0);
    b.onSuccess(trial, 0);
    assertThat(b.state()).isEqualTo(HALF_OPEN);
    assertThat(b.metrics().successfulCalls()).isEqualTo(1);
  }

  @Test
  void aLeakedProbeIsReclaimedAfterTheProbeTimeout() {
    int[] reclaimed = {0};
    CircuitBreaker b =
        tripped(
            builder()
                .halfOpenTrials(1)
                .probeTimeout(Duration.ofSeconds(5))
                .listener(
                    new CircuitBreakerListener() {
                      @Override
                      public void onTrialReclaimed(String breakerName) {
                        reclaimed[0]++;
                      }
                    }));
    time.advance(WAIT);
    long leaked = b.acquirePermission(); // never reported
    assertThat(untilTrial(b)).isEqualTo(Duration.ofSeconds(5).toNanos());
    time.advance(Duration.ofSeconds(4));
    assertThat(untilTrial(b)).isEqualTo(Duration.ofSeconds(1).toNanos());
    time.advance(Duration.ofSeconds(1));
    long fresh = b.acquirePermission();
    assertThat(fresh).isNotEqualTo(leaked);
    assertThat(reclaimed[0]).isEqualTo(1);
    b.onSuccess(leaked, 0); // too late: its lease is gone
    assertThat(b.state()).isEqualTo(HALF_OPEN);
    b.onFailure(leaked, 0, new IOException("too late"));
    assertThat(b.state()).isEqualTo(HALF_OPEN);
    b.onSuccess(fresh, 0);
    assertThat(b.state()).isEqualTo(CLOSED);
  }

  @Test
  void releasingATrialFreesItsLeaseWithoutJudging() {
    CircuitBreaker b = tripped(builder().halfOpenTrials(1));
    time.advance(WAIT);
    long trial = b.acquirePermission();
    b.release(trial);
    assertThat(b.state()).isEqualTo(HALF_OPEN);
    b.onFailure(trial, 0, new IOException("after release")); // no longer its lease
    assertThat(b.state()).isEqualTo(HALF_OPEN);
    b.onSuccess(b.acquirePermission(), 0);
    assertThat(b.state()).isEqualTo(CLOSED);
  }

  @Test
  void aTimeWindowForgetsCallsOlderThanItsSeconds() {
    CircuitBreaker b = builder().timeWindow(10).minimumNumberOfCalls(5).build();
    succeed(b, 6); // second 0
    time.advance(Duration.ofMillis(9_500));
    fail(b, 4); // second 9: 4 of 10 failed
    assertThat(b.state()).isEqualTo(CLOSED);
    assertThat(b.metrics().bufferedCalls()).isEqualTo(10);
    time.advance(Duration.ofSeconds(1)); // second 10: second 0 has left the window
    assertThat(b.metrics().bufferedCalls()).isEqualTo(4);
    fail(b, 1); // 5 of 5 failed
    assertThat(b.state()).isEqualTo(OPEN);
  }

  @Test
  void aTimeWindowKeepsPerSecondCountsAcrossBuckets() {
    CircuitBreaker b = builder().timeWindow(3).minimumNumberOfCalls(1).failureRateThreshold(100).build();
    succeed(b, 5); // second 0
    time.advance(Duration.ofSeconds(1));
    succeed(b, 2); // second 1: moves second 0's successes into their bucket
    fail(b, 1);
    time.advance(Duration.ofSeconds(1));
    succeed(b, 3); // second 2
    assertThat(b.metrics().bufferedCalls()).isEqualTo(11);
    time.advance(Duration.ofSeconds(1)); // second 3: window is seconds 1..3
    assertThat(b.metrics().bufferedCalls()).isEqualTo(6);
    assertThat(b.metrics().failedCalls()).isEqualTo(1);
    time.advance(Duration.ofSeconds(1)); // seconds 2..4
    assertThat(b.metrics().bufferedCalls()).isEqualTo(3);
    assertThat(b.metrics().failedCalls()).isZero();
    time.advance(Duration.ofHours(1));
    assertThat(b.metrics().bufferedCalls()).isZero();
    assertThat(b.metrics().totalSuccessfulCalls()).isEqualTo(10);
    assertThat(b.state()).isEqualTo(CLOSED);
  }
}
