package dev.closedloop.sync.retry;

import static dev.closedloop.sync.retry.Scripted.boom;
import static dev.closedloop.sync.retry.Scripted.fail;
import static dev.closedloop.sync.retry.Scripted.ok;
import static dev.closedloop.sync.retry.Scripted.slow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.closedloop.sync.breaker.CircuitOpenException;
import dev.closedloop.sync.time.ManualTicker;
import dev.closedloop.sync.time.RandomSource;
import dev.closedloop.sync.time.VirtualScheduler;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One scenario, two paths: every test runs the same scripted downstream through the blocking
 * path ({@code execute}/{@code run} on the calling thread, waits advancing virtual time) and the
 * asynchronous path ({@code executeAsync}/{@code runAsync}, waits as tasks on the {@link
 * VirtualScheduler}), and makes the same assertions on the result, the calls made, the virtual
 * time spent and what the listeners heard. Nothing sleeps.
 */
class RetryFunctionalTest {

  /** How a test runs a policy. */
  enum Mode {
    BLOCKING {
      @Override
      Ended execute(RetryFunctionalTest t, RetryPolicy<String> policy, Scripted downstream) {
        try {
          return new Ended(policy.execute(downstream::callBlocking), null);
        } catch (RuntimeException | Error e) {
          return new Ended(null, e);
        }
      }

      @Override
      Ended executeWithContext(RetryFunctionalTest t, RetryPolicy<String> policy, List<String> seen, Scripted downstream) {
        try {
          return new Ended(
              policy.execute(ctx -> {
                seen.add(ctx.attempt() + "@" + ctx.remaining());
                return downstream.callBlocking();
              }),
              null);
        } catch (RuntimeException | Error e) {
          return new Ended(null, e);
        }
      }

      @Override
      RetryOutcome<String> run(RetryFunctionalTest t, RetryPolicy<String> policy, Scripted downstream) {
        return policy.run(downstream::callBlocking);
      }
    },
    ASYNC {
      @Override
      Ended execute(RetryFunctionalTest t, RetryPolicy<String> policy, Scripted downstream) {
        return t.join(policy.executeAsync(downstream::callAsync));
      }

      @Override
      Ended executeWithContext(RetryFunctionalTest t, RetryPolicy<String> policy, List<String> seen, Scripted downstream) {
        return t.join(
            policy.executeAsync(ctx -> {
              seen.add(ctx.attempt() + "@" + ctx.remaining());
              return downstream.callAsync();
            }));
      }

      @Override
      RetryOutcome<String> run(RetryFunctionalTest t, RetryPolicy<String> policy, Scripted downstream) {
        CompletableFuture<RetryOutcome<String>> f = policy.runAsync(downstream::callAsync);
        t.drive(f);
        return f.join();
      }
    };

    abstract Ended execute(RetryFunctionalTest t, RetryPolicy<String> policy, Scripted downstream);

    abstract Ended executeWithContext(
        RetryFunctionalTest t, RetryPolicy<String> policy, List<String> seen, Scripted downstream);

    abstract RetryOutcome<String> run(RetryFunctionalTest t, RetryPolicy<String> policy, Scripted downstream);
  }

  /** How an execute call ended: a value or a thrown exception (unwrapped from the future). */
  record Ended(@Nullable String value, @Nullable Throwable thrown) {}

  final ManualTicker time = new ManualTicker();
  final VirtualScheduler scheduler = new VirtualScheduler(time);
  final Recorder recorder = new Recorder();

  /** 3 attempts, 1 s then 2 s (no jitter), 30 s deadline, on virtual time. */
  RetryPolicyBuilder<String> policy() {
    return RetryPolicy.<String>builder()
        .ticker(time)
        .scheduler(scheduler)
        .jitter(Jitter.none())
        .random(RandomSource.fixed(0.5))
        .listener(recorder);
  }

  Scripted downstream(Scripted.Step... script) {
    return new Scripted(scheduler, script);
  }

  /** Runs due tasks, moving virtual time from task to task, until {@code f} completes. */
  void drive(CompletableFuture<?> f) {
    for (int guard = 0; !f.isDone(); guard++) {
      if (guard > 100_000 || scheduler.runNext() == 0) {
        fail("the future is stuck: " + f + " " + scheduler);
      }
    }
  }

  Ended join(CompletableFuture<String> f) {
    drive(f);
    try {
      return new Ended(f.join(), null);
    } catch (CompletionException e) {
      return new Ended(null, e.getCause());
    }
  }

  Duration elapsed() {
    return Duration.ofNanos(time.read());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void succeedsOnTheThirdAttemptAfterBothBackoffs(Mode mode) {
    Scripted down = downstream(boom(), boom(), ok("done"));

    Ended ended = mode.execute(this, policy().build(), down);

    assertThat(ended.value()).isEqualTo("done");
    assertThat(ended.thrown()).isNull();
    assertThat(down.calls()).isEqualTo(3);
    assertThat(elapsed()).isEqualTo(Duration.ofSeconds(3));
    assertThat(recorder.events).containsExactly("retry 1 after PT1S", "retry 2 after PT2S", "success 3 done");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void runReportsTheSuccessWithAttemptsAndTotalDelay(Mode mode) {
    RetryOutcome<String> outcome = mode.run(this, policy().build(), downstream(boom(), ok("done")));

    assertThat(outcome).isEqualTo(new RetryOutcome.Success<>("done", 2, Duration.ofSeconds(1)));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void exhaustionThrowsWithTheLastFailureAsCauseAndEarlierOnesSuppressed(Mode mode) {
    Scripted down = downstream(boom());

    Ended ended = mode.execute(this, policy().build(), down);

    assertThat(ended.thrown()).isInstanceOf(RetryExhaustedException.class);
    RetryExhaustedException e = (RetryExhaustedException) ended.thrown();
    assertThat(e.attempts()).isEqualTo(3);
    assertThat(e.reason()).isEqualTo(RetryDecision.Reason.ATTEMPTS_EXHAUSTED);
    assertThat(e.totalDelay()).isEqualTo(Duration.ofSeconds(3));
    assertThat(e.getCause()).isInstanceOf(IOException.class).hasMessage("boom 3");
    assertThat(e.getSuppressed()).extracting(Throwable::getMessage).containsExactly("boom 1", "boom 2");
    assertThat(e.lastResult()).isNull();
    assertThat(down.calls()).isEqualTo(3);
    assertThat(elapsed()).isEqualTo(Duration.ofSeconds(3));
    assertThat(recorder.events).last().isEqualTo("failure 3 ATTEMPTS_EXHAUSTED");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void runReportsExhaustionAsAnExplicitOutcome(Mode mode) {
    RetryOutcome<String> outcome = mode.run(this, policy().build(), downstream(boom()));

    assertThat(outcome).isInstanceOf(RetryOutcome.Failed.class);
    RetryOutcome.Failed<String> failed = (RetryOutcome.Failed<String>) outcome;
    assertThat(failed.reason()).isEqualTo(RetryDecision.Reason.ATTEMPTS_EXHAUSTED);
    assertThat(failed.attempts()).isEqualTo(3);
    assertThat(failed.lastFailure()).hasMessage("boom 3");
    assertThat(failed.earlierFailures()).extracting(Throwable::getMessage).containsExactly("boom 1", "boom 2");
    assertThat(failed.totalDelay()).isEqualTo(Duration.ofSeconds(3));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void abortPredicateRethrowsTheOriginalUncheckedFailureAtOnce(Mode mode) {
    IllegalArgumentException rejected = new IllegalArgumentException("422");
    Scripted down = downstream(boom(), fail(rejected), ok("never"));

    Ended ended = mode.execute(this, policy().abortOn(IllegalArgumentException.class).build(), down);

    assertThat(ended.thrown()).isSameAs(rejected);
    assertThat(down.calls()).isEqualTo(2);
    assertThat(elapsed()).isEqualTo(Duration.ofSeconds(1));
    assertThat(recorder.events).containsExactly("retry 1 after PT1S", "failure 2 ABORTED");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void abortedCheckedFailureIsWrappedWithItselfAsCause(Mode mode) {
    FileNotFoundException missing = new FileNotFoundException("gone");
    Scripted down = downstream(boom(), fail(missing));

    Ended ended = mode.execute(this, policy().abortOn(FileNotFoundException.class).build(), down);

    assertThat(ended.thrown()).isInstanceOf(RetryAbortedException.class);
    RetryAbortedException e = (RetryAbortedException) ended.thrown();
    assertThat(e.getCause()).isSameAs(missing);
    assertThat(e.reason()).isEqualTo(RetryDecision.Reason.ABORTED);
    assertThat(e.attempts()).isEqualTo(2);
    assertThat(e.getSuppressed()).extracting(Throwable::getMessage).containsExactly("boom 1");
    assertThat(down.calls()).isEqualTo(2);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void failureNoRetryPredicateMatchesIsRethrownAfterOneAttempt(Mode mode) {
    IllegalStateException bug = new IllegalStateException("bug");
    Scripted down = downstream(fail(bug), ok("never"));

    Ended ended = mode.execute(this, policy().retryOn(IOException.class).build(), down);

    assertThat(ended.thrown()).isSameAs(bug);
    assertThat(down.calls()).isEqualTo(1);
    assertThat(recorder.events).containsExactly("failure 1 NOT_RETRYABLE");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void retriedResultThatStaysBadIsExhaustedNotReturned(Mode mode) {
    Scripted down = downstream(ok("busy"));

    Ended ended = mode.execute(this, policy().retryOnResult("busy"::equals).build(), down);

    assertThat(ended.value()).isNull();
    assertThat(ended.thrown()).isInstanceOf(RetryExhaustedException.class);
    RetryExhaustedException e = (RetryExhaustedException) ended.thrown();
    assertThat(e.lastResult()).isEqualTo("busy");
    assertThat(e.getCause()).isNull();
    assertThat(e.attempts()).isEqualTo(3);
    assertThat(down.calls()).isEqualTo(3);
    assertThat(elapsed()).isEqualTo(Duration.ofSeconds(3));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void resultAbortPredicateStopsWithTheResult(Mode mode) {
    Scripted down = downstream(ok("busy"), ok("gone"), ok("never"));

    Ended ended =
        mode.execute(this, policy().retryOnResult("busy"::equals).abortOnResult("gone"::equals).build(), down);

    assertThat(ended.thrown()).isInstanceOf(RetryAbortedException.class);
    RetryAbortedException e = (RetryAbortedException) ended.thrown();
    assertThat(e.lastResult()).isEqualTo("gone");
    assertThat(e.getCause()).isNull();
    assertThat(down.calls()).isEqualTo(2);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void serverHintLongerThanTheBackoffSetsTheDelay(Mode mode) {
    Scripted down = downstream(fail(call -> new Scripted.Hinted(Duration.ofSeconds(5))), ok("done"));

    Ended ended = mode.execute(this, policy().build(), down);

    assertThat(ended.value()).isEqualTo("done");
    assertThat(elapsed()).isEqualTo(Duration.ofSeconds(5));
    assertThat(recorder.decisions).singleElement().satisfies(d -> {
      assertThat(d.hintUsed()).isTrue();
      assertThat(d.delay()).isEqualTo(Duration.ofSeconds(5));
    });
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void serverHintShorterThanTheBackoffIsRaisedToTheBackoff(Mode mode) {
    Scripted down = downstream(fail(call -> new Scripted.Hinted(Duration.ofMillis(200))), ok("done"));

    Ended ended = mode.execute(this, policy().build(), down);

    assertThat(ended.value()).isEqualTo("done");
    assertThat(elapsed()).isEqualTo(Duration.ofSeconds(1));
    assertThat(recorder.decisions).singleElement().satisfies(d -> assertThat(d.hintUsed()).isFalse());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void resultHintFromTheExtractorIsHonoured(Mode mode) {
    Scripted down = downstream(ok("503 retry-after 4"), ok("done"));
    RetryPolicy<String> policy =
        policy()
            .retryOnResult(r -> r.startsWith("503"))
            .hints((r, f) -> r != null && r.startsWith("503") ? Duration.ofSeconds(4) : null)
            .build();

    Ended ended = mode.execute(this, policy, down);

    assertThat(ended.value()).isEqualTo("done");
    assertThat(elapsed()).isEqualTo(Duration.ofSeconds(4));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void serverHintBeyondTheDeadlineStopsAtOnce(Mode mode) {
    Scripted down = downstream(fail(call -> new Scripted.Hinted(Duration.ofSeconds(20))), ok("never"));

    Ended ended = mode.execute(this, policy().deadline(Duration.ofSeconds(10)).build(), down);

    assertThat(ended.thrown()).isInstanceOf(RetryExhaustedException.class);
    RetryExhaustedException e = (RetryExhaustedException) ended.thrown();
    assertThat(e.reason()).isEqualTo(RetryDecision.Reason.HINT_BEYOND_DEADLINE);
    assertThat(e.attempts()).isEqualTo(1);
    assertThat(e.getCause()).isInstanceOf(Scripted.Hinted.class);
    assertThat(down.calls()).isEqualTo(1);
    assertThat(elapsed()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void noWaitStartsThatWouldEndAtOrAfterTheDeadline(Mode mode) {
    Scripted down = downstream(boom());
    RetryPolicy<String> policy =
        policy().maxAttempts(10).fixedDelay(Duration.ofSeconds(1)).deadline(Duration.ofMillis(2500)).build();

    Ended ended = mode.execute(this, policy, down);

    RetryExhaustedException e = (RetryExhaustedException) ended.thrown();
    assertThat(e.reason()).isEqualTo(RetryDecision.Reason.DEADLINE_REACHED);
    assertThat(e.attempts()).isEqualTo(3);
    assertThat(down.calls()).isEqualTo(3);
    assertThat(elapsed()).isEqualTo(Duration.ofSeconds(2));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void attemptThatOutlivesItsTimeoutFailsAndIsRetried(Mode mode) {
    Scripted down = downstream(slow(Duration.ofSeconds(5), "late"), ok("fast"));

    Ended ended = mode.execute(this, policy().attemptTimeout(Duration.ofSeconds(1)).build(), down);

    assertThat(ended.value()).isEqualTo("fast");
    assertThat(down.calls()).isEqualTo(2);
    assertThat(elapsed()).isEqualTo(Duration.ofSeconds(2)); // 1 s timeout + 1 s backoff
    assertThat(recorder.retriedFailures).singleElement().isInstanceOfSatisfying(AttemptTimeoutException.class, e -> {
      assertThat(e.attempt()).isEqualTo(1);
      assertThat(e.timeout()).isEqualTo(Duration.ofSeconds(1));
    });
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void attemptTimeoutIsClippedToTheTimeLeftBeforeTheDeadline(Mode mode) {
    Scripted down = downstream(slow(Duration.ofSeconds(5), "late"));
    RetryPolicy<String> policy =
        policy()
            .maxAttempts(10)
            .fixedDelay(Duration.ofSeconds(1))
            .attemptTimeout(Duration.ofSeconds(1))
            .deadline(Duration.ofMillis(2500))
            .build();

    Ended ended = mode.execute(this, policy, down);

    RetryExhaustedException e = (RetryExhaustedException) ended.thrown();
    assertThat(e.reason()).isEqualTo(RetryDecision.Reason.DEADLINE_REACHED);
    assertThat(e.attempts()).isEqualTo(2);
    assertThat(e.getCause()).isInstanceOfSatisfying(AttemptTimeoutException.class, t -> {
      assertThat(t.attempt()).isEqualTo(2);
      assertThat(t.timeout()).isEqualTo(Duration.ofMillis(500));
    });
    assertThat(elapsed()).isEqualTo(Duration.ofMillis(2500));
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void attemptReadsItsNumberAndTheTimeItHasLeft(Mode mode) {
    List<String> seen = new ArrayList<>();
    RetryPolicy<String> policy =
        policy()
            .fixedDelay(Duration.ofSeconds(2))
            .attemptTimeout(Duration.ofSeconds(3))
            .deadline(Duration.ofSeconds(4))
            .build();

    Ended ended = mode.executeWithContext(this, policy, seen, downstream(boom(), ok("done")));

    assertThat(ended.value()).isEqualTo("done");
    // attempt 1 at 0 s: the 3 s attempt timeout is first; attempt 2 at 2 s: the deadline is.
    assertThat(seen).containsExactly("1@PT3S", "2@PT2S");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void breakerRefusalWaitsUntilTheTrialAndIsNotAnAttempt(Mode mode) {
    RetryBudget budget = RetryBudget.of(10, 0.1);
    Scripted down =
        downstream(fail(new CircuitOpenException("db", Duration.ofSeconds(4).toNanos())), boom(), ok("done"));
    RetryPolicy<String> policy = policy().maxAttempts(2).fixedDelay(Duration.ofSeconds(1)).budget(budget).build();

    Ended ended = mode.execute(this, policy, down);

    assertThat(ended.value()).isEqualTo("done");
    assertThat(down.calls()).isEqualTo(3);
    assertThat(elapsed()).isEqualTo(Duration.ofSeconds(5)); // exactly until the trial, then 1 s
    assertThat(recorder.events).containsExactly("retry 1 after PT1S", "success 2 done");
    assertThat(budget.tokens()).isEqualTo(9.1); // one failure, one success; the refusal was free
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void breakerTrialPastTheDeadlineRejectsTheCall(Mode mode) {
    CircuitOpenException open = new CircuitOpenException("db", Duration.ofSeconds(40).toNanos());
    Scripted down = downstream(fail(open), ok("never"));

    Ended ended = mode.execute(this, policy().build(), down);

    assertThat(ended.thrown()).isInstanceOfSatisfying(RetryRejectedException.class, e -> {
      assertThat(e.rejection()).isEqualTo(RetryOutcome.RejectionCause.CIRCUIT_OPEN);
      assertThat(e.attempts()).isZero();
      assertThat(e.getCause()).isSameAs(open);
    });
    assertThat(down.calls()).isEqualTo(1);
    assertThat(elapsed()).isZero();
    assertThat(recorder.events).containsExactly("failure 0 CIRCUIT_OPEN");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void breakerRefusalsInARowAreBoundedByMaxAttemptsWithoutDeadline(Mode mode) {
    Scripted down = downstream(fail(call -> new CircuitOpenException("db", Duration.ofSeconds(1).toNanos())));

    RetryOutcome<String> outcome = mode.run(this, policy().noDeadline().build(), down);

    assertThat(outcome).isInstanceOfSatisfying(RetryOutcome.Rejected.class, r -> {
      assertThat(r.cause()).isEqualTo(RetryOutcome.RejectionCause.CIRCUIT_OPEN);
      assertThat(r.attempts()).isZero();
      assertThat(r.lastFailure()).isInstanceOf(CircuitOpenException.class);
      assertThat(r.totalDelay()).isEqualTo(Duration.ofSeconds(2));
    });
    assertThat(down.calls()).isEqualTo(3);
    assertThat(elapsed()).isEqualTo(Duration.ofSeconds(2));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void budgetBoundsRetryTrafficToAFailingDownstream(Mode mode) {
    RetryBudget budget = RetryBudget.ofDefaults(); // 10 tokens, retries only above 5
    Scripted down = downstream(boom());
    RetryPolicy<String> policy = policy().fixedDelay(Duration.ofMillis(100)).budget(budget).build();
    int calls = 1000;
    int exhausted = 0;
    int rejected = 0;

    for (int i = 0; i < calls; i++) {
      Throwable thrown = mode.execute(this, policy, down).thrown();
      if (thrown instanceof RetryExhaustedException) {
        exhausted++;
      } else if (thrown instanceof RetryRejectedException
          && ((RetryRejectedException) thrown).rejection() == RetryOutcome.RejectionCause.BUDGET) {
        rejected++;
        assertThat(thrown.getCause()).isInstanceOf(IOException.class);
      } else {
        fail("unexpected: " + thrown);
      }
    }

    // call 1: 3 attempts (10 -> 7 tokens); call 2: 2 attempts (-> 5, no retry at half);
    // calls 3..1000: 1 attempt each. 1003 <= 1.1 * 1000 + 10.
    assertThat(down.calls()).isEqualTo(1003);
    assertThat(down.calls()).isLessThanOrEqualTo((int) (1.1 * calls) + 10);
    assertThat(exhausted).isEqualTo(1);
    assertThat(rejected).isEqualTo(999);
    assertThat(budget.tokens()).isZero();
    assertThat(elapsed()).isEqualTo(Duration.ofMillis(300));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void throwingListenerBreaksNeitherTheCallNorTheListenersAfterIt(Mode mode) {
    RetryListener<String> broken =
        new RetryListener<>() {
          @Override
          public void onRetryScheduled(int a, @Nullable String r, @Nullable Throwable f, RetryDecision d) {
            throw new IllegalStateException("listener bug");
          }

          @Override
          public void onSuccess(int attempts, @Nullable String result) {
            throw new AssertionError("listener bug");
          }

          @Override
          public void onFailure(RetryOutcome<String> outcome) {
            throw new IllegalStateException("listener bug");
          }
        };
    Recorder after = new Recorder();
    RetryPolicy<String> policy = policy().listener(broken).listener(after).build();

    Ended first = mode.execute(this, policy, downstream(boom(), ok("done")));
    Ended second = mode.execute(this, policy, downstream(boom()));

    assertThat(first.value()).isEqualTo("done");
    assertThat(second.thrown()).isInstanceOf(RetryExhaustedException.class);
    List<String> expected =
        List.of("retry 1 after PT1S", "success 2 done", "retry 1 after PT1S", "retry 2 after PT2S", "failure 3 ATTEMPTS_EXHAUSTED");
    assertThat(recorder.events).isEqualTo(expected); // added before the broken one
    assertThat(after.events).isEqualTo(expected); // added after it
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void interruptedExceptionFromTheCallIsNeverRetried(Mode mode) {
    InterruptedException interrupted = new InterruptedException("shutting down");
    Scripted down = downstream(fail(interrupted), ok("never"));

    Ended ended = mode.execute(this, policy().build(), down);

    assertThat(ended.thrown()).isInstanceOfSatisfying(RetryAbortedException.class, e -> {
      assertThat(e.getCause()).isSameAs(interrupted);
      assertThat(e.attempts()).isEqualTo(1);
    });
    assertThat(down.calls()).isEqualTo(1);
    if (mode == Mode.BLOCKING) {
      assertThat(Thread.interrupted()).as("interrupt flag restored and cleared here").isTrue();
    }
  }
}
