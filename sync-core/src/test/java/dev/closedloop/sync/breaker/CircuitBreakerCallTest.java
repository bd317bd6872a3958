package dev.closedloop.sync.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.time.ManualTicker;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@code call}, {@code callAsync}, listeners and the rejection exception. */
class CircuitBreakerCallTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final ManualTicker time = new ManualTicker();

  private CircuitBreakerBuilder builder() {
    return CircuitBreaker.builder("inventory")
        .ticker(time)
        .countWindow(4)
        .minimumNumberOfCalls(4)
        .waitInOpen(WAIT)
        .halfOpenTrials(1);
  }

  private static void trip(CircuitBreaker b) {
    CircuitBreakerTransitionTest.fail(b, 4);
    assertThat(b.state()).isEqualTo(CircuitBreaker.State.OPEN);
  }

  @Test
  void callReturnsTheResultAndRecordsTheSuccess() throws Exception {
    CircuitBreaker b = builder().build();
    assertThat(b.call(() -> "ok")).isEqualTo("ok");
    assertThat(b.metrics().totalSuccessfulCalls()).isEqualTo(1);
  }

  @Test
  void callRethrowsTheFailureAndRecordsIt() {
    CircuitBreaker b = builder().build();
    IOException failure = new IOException("down");
    assertThatThrownBy(() -> b.call(() -> { throw failure; })).isSameAs(failure);
    assertThat(b.metrics().totalFailedCalls()).isEqualTo(1);
    assertThat(b.metrics().bufferedCalls()).isEqualTo(1);
  }

  @Test
  void callMeasuresDurationsOnTheTickerWhenSlowCallsAreDetected() throws Exception {
    CircuitBreaker b =
        builder().failureRateThreshold(100).slowCallDurationThreshold(Duration.ofSeconds(2)).build();
    for (int i = 0; i < 4; i++) {
      b.call(
          () -> {
            time.advance(Duration.ofSeconds(2));
            return null;
          });
    }
    assertThat(b.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(b.metrics().slowCallRate()).isEqualTo(100f);
  }

  @Test
  void aRefusedCallDoesNotRunAndThrowsTheBreakersException() {
    CircuitBreaker b = builder().build();
    trip(b);
    time.advance(Duration.ofSeconds(10));
    AtomicInteger runs = new AtomicInteger();
    assertThatThrownBy(() -> b.call(runs::incrementAndGet))
        .isInstanceOfSatisfying(
            CircuitOpenException.class,
            e -> {
              assertThat(e.breakerName()).isEqualTo("inventory");
              assertThat(e.untilTrial()).isEqualTo(Duration.ofSeconds(20));
              assertThat(e.getMessage())
                  .isEqualTo("circuit breaker 'inventory' is open; a trial call is allowed in PT20S");
              assertThat(e.getStackTrace()).isEmpty();
            });
    assertThat(runs.get()).isZero();
  }

  @Test
  void aForcedOpenRejectionSaysOnlyAnOperatorCanCloseIt() {
    CircuitBreaker b = builder().build();
    b.forceOpen();
    assertThatThrownBy(b::acquirePermission)
        .isInstanceOfSatisfying(
            CircuitOpenException.class,
            e -> {
              assertThat(e.untilTrialNanos()).isEqualTo(Long.MAX_VALUE);
              assertThat(e.getMessage()).isEqualTo("circuit breaker 'inventory' is forced open");
            });
  }

  @Test
  void callAsyncCompletesLikeTheStageAndRecordsTheOutcome() throws Exception {
    CircuitBreaker b = builder().build();
    CompletableFuture<String> stage = new CompletableFuture<>();
    CompletableFuture<String> result = b.callAsync(() -> stage);
    assertThat(result).isNotDone();
    stage.complete("done");
    assertThat(result.get(1, TimeUnit.SECONDS)).isEqualTo("done");

    IOException failure = new IOException("down");
    CompletableFuture<String> failed = b.callAsync(() -> CompletableFuture.failedFuture(failure));
    assertThatThrownBy(failed::join).hasCause(failure);
    assertThat(b.metrics().totalSuccessfulCalls()).isEqualTo(1);
    assertThat(b.metrics().totalFailedCalls()).isEqualTo(1);
  }

  @Test
  void callAsyncRecordsWhatTheSupplierThrows() {
    CircuitBreaker b = builder().build();
    IllegalStateException failure = new IllegalStateException("no connection");
    CompletableFuture<Object> result = b.callAsync(() -> { throw failure; });
    assertThatThrownBy(result::join).hasCause(failure);
    assertThat(b.metrics().totalFailedCalls()).isEqualTo(1);
  }

  @Test
  void callAsyncWhenRefusedFailsTheFutureWithoutCallingTheSupplier() {
    CircuitBreaker b = builder().build();
    trip(b);
    AtomicInteger supplied = new AtomicInteger();
    CompletableFuture<Object> result =
        b.callAsync(
            () -> {
              supplied.incrementAndGet();
              return new CompletableFuture<>();
            });
    assertThatThrownBy(result::join).hasCauseInstanceOf(CircuitOpenException.class);
    assertThat(supplied.get()).isZero();
  }

  @Test
  void cancellingAnAsyncTrialReleasesItsLeaseAndCancelsTheStage() {
    CircuitBreaker b = builder().build();
    trip(b);
    time.advance(WAIT);
    CompletableFuture<String> stage = new CompletableFuture<>();
    CompletableFuture<String> trial = b.callAsync(() -> stage);
    assertThat(b.tryAcquirePermission()).isEqualTo(CircuitBreaker.NO_PERMIT);
    assertThat(trial.cancel(true)).isTrue();
    assertThat(stage).isCancelled();
    assertThat(b.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    long next = b.acquirePermission(); // the lease is free again
    b.onSuccess(next, 0);
    assertThat(b.state()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void anAsyncCallTimedOutByTheCallerCountsAsAFailure() throws Exception {
    CircuitBreaker b = builder().build();
    CompletableFuture<String> stage = new CompletableFuture<>();
    CompletableFuture<String> result = b.callAsync(() -> stage);
    result.completeExceptionally(new TimeoutException("gave up"));
    stage.complete("too late"); // reported once only
    assertThatThrownBy(() -> result.get()).isInstanceOf(ExecutionException.class);
    assertThat(b.metrics().totalFailedCalls()).isEqualTo(1);
    assertThat(b.metrics().totalSuccessfulCalls()).isZero();
  }

  @Test
  void aThrowingListenerIsIsolatedFromTheCallAndFromTheOtherListeners() throws Exception {
    List<String> heard = new CopyOnWriteArrayList<>();
    CircuitBreakerListener broken =
        new CircuitBreakerListener() {
          @Override
          public void onStateTransition(String n, CircuitBreaker.State from, CircuitBreaker.State to) {
            throw new IllegalStateException("listener bug");
          }

          @Override
          public void onCallRejected(String n, CircuitBreaker.State state) {
            throw new AssertionError("listener bug");
          }
        };
    CircuitBreakerListener good =
        new CircuitBreakerListener() {
          @Override
          public void onStateTransition(String n, CircuitBreaker.State from, CircuitBreaker.State to) {
            heard.add(n + ":" + from + "->" + to);
          }

          @Override
          public void onCallRejected(String n, CircuitBreaker.State state) {
            heard.add(n + ":rejected in " + state);
          }
        };
    CircuitBreaker b = builder().listener(broken).listener(good).build();
    trip(b);
    assertThat(b.tryAcquirePermission()).isEqualTo(CircuitBreaker.NO_PERMIT);
    time.advance(WAIT);
    assertThat(b.call(() -> "recovered")).isEqualTo("recovered");
    assertThat(heard)
        .containsExactly(
            "inventory:CLOSED->OPEN",
            "inventory:rejected in OPEN",
            "inventory:OPEN->HALF_OPEN",
            "inventory:HALF_OPEN->CLOSED");
    assertThat(b.state()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void aThrowingPredicateIsLoggedAndTheFailureRecorded() {
    CircuitBreaker b =
        builder()
            .recordFailure(
                e -> {
                  throw new IllegalStateException("predicate bug");
                })
            .build();
    b.onFailure(b.acquirePermission(), 0, new IOException("down"));
    assertThat(b.metrics().totalFailedCalls()).isEqualTo(1);
  }
}
