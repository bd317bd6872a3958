package dev.closedloop.sync.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.closedloop.sync.time.ManualTicker;
import dev.closedloop.sync.time.RandomSource;
import dev.closedloop.sync.time.Scheduler;
import dev.closedloop.sync.time.VirtualScheduler;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What only one of the two paths has: cancellation, interrupts, the fast path, real time. */
class RetryExecutionTest {
  final ManualTicker time = new ManualTicker();
  final VirtualScheduler scheduler = new VirtualScheduler(time);
  final Recorder recorder = new Recorder();

  RetryPolicyBuilder<String> policy() {
    return RetryPolicy.<String>builder()
        .ticker(time)
        .scheduler(scheduler)
        .jitter(Jitter.none())
        .listener(recorder);
  }

  @AfterEach
  void clearInterrupt() {
    Thread.interrupted();
  }

  @Test
  void cancellingTheFutureCancelsThePendingWaitAndNoAttemptFollows() {
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<String> f =
        policy().build().executeAsync(() -> {
          calls.incrementAndGet();
          return CompletableFuture.failedFuture(new IOException("down"));
        });
    assertThat(scheduler.pendingCount()).isEqualTo(1); // the 1 s wait

    assertThat(f.cancel(true)).isTrue();

    assertThat(scheduler.pendingCount()).isZero();
    scheduler.advance(Duration.ofMinutes(5));
    assertThat(calls.get()).isEqualTo(1);
    assertThat(f).isCancelled();
    assertThat(recorder.events).containsExactly("retry 1 after PT1S"); // no failure event
  }

  @Test
  void cancellingTheFutureCancelsTheInFlightAttemptAndItsTimeout() {
    CompletableFuture<String> inFlight = new CompletableFuture<>();
    CompletableFuture<String> f =
        policy().attemptTimeout(Duration.ofSeconds(10)).build().executeAsync(() -> inFlight);
    assertThat(scheduler.pendingCount()).isEqualTo(1); // the attempt's timeout

    f.cancel(true);

    assertThat(inFlight).isCancelled();
    assertThat(scheduler.pendingCount()).isZero();
    assertThat(recorder.events).isEmpty();
  }

  @Test
  void asyncAttemptTimeoutCancelsTheAttemptsFuture() {
    CompletableFuture<String> first = new CompletableFuture<>();
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<String> f =
        policy()
            .attemptTimeout(Duration.ofSeconds(2))
            .build()
            .executeAsync(() -> calls.incrementAndGet() == 1 ? first : CompletableFuture.completedFuture("ok"));

    scheduler.advance(Duration.ofSeconds(2));
    assertThat(first).isCancelled();
    assertThat(f).isNotDone();
    scheduler.advance(Duration.ofSeconds(1));

    assertThat(f).isCompletedWithValue("ok");
    first.complete("too late"); // a stale completion changes nothing
    assertThat(calls.get()).isEqualTo(2);
    assertThat(scheduler.pendingCount()).isZero();
  }

  @Test
  void callThatThrowsInsteadOfReturningAStageFailsThatAttempt() {
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<String> f =
        policy().build().executeAsync(() -> {
          if (calls.incrementAndGet() == 1) {
            throw new IllegalStateException("could not even start");
          }
          return CompletableFuture.completedFuture("ok");
        });

    scheduler.advance(Duration.ofSeconds(1));

    assertThat(f).isCompletedWithValue("ok");
    assertThat(recorder.retriedFailures).singleElement().isInstanceOf(IllegalStateException.class);
  }

  @Test
  void asyncWaitsAreScheduledNotSlept() {
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<String> f =
        policy().build().executeAsync(() -> {
          calls.incrementAndGet();
          return CompletableFuture.failedFuture(new IOException("down"));
        });

    assertThat(time.read()).isZero(); // executeAsync returned without time passing
    assertThat(scheduler.nextDelay()).isEqualTo(Duration.ofSeconds(1));
    scheduler.advance(Duration.ofMillis(999));
    assertThat(calls.get()).isEqualTo(1);
    scheduler.advance(Duration.ofMillis(1));
    assertThat(calls.get()).isEqualTo(2);
    assertThat(scheduler.nextDelay()).isEqualTo(Duration.ofSeconds(2));
    scheduler.advance(Duration.ofSeconds(2));
    assertThat(f).isCompletedExceptionally();
  }

  @Test
  void interruptDuringTheWaitStopsTheBlockingCallAndKeepsTheFlag() {
    AtomicInteger calls = new AtomicInteger();
    RetryPolicy<String> policy =
        policy()
            .listener(new RetryListener<>() {
              @Override
              public void onRetryScheduled(int a, @Nullable String r, @Nullable Throwable f, RetryDecision d) {
                Thread.currentThread().interrupt(); // as if another thread interrupted the wait
              }
            })
            .build();

    assertThatThrownBy(() -> policy.execute(() -> {
          calls.incrementAndGet();
          throw new IOException("down");
        }))
        .isInstanceOfSatisfying(RetryAbortedException.class, e -> {
          assertThat(e.getCause()).isInstanceOf(InterruptedException.class);
          assertThat(e.attempts()).isEqualTo(1);
          assertThat(e.getSuppressed()).singleElement().isInstanceOf(IOException.class);
        });
    assertThat(Thread.interrupted()).isTrue();
    assertThat(calls.get()).isEqualTo(1);
    assertThat(time.read()).isZero();
  }

  @Test
  void runReportsAnInterruptedWaitAsAbortedAndKeepsTheFlag() {
    RetryPolicy<String> policy =
        policy()
            .listener(new RetryListener<>() {
              @Override
              public void onRetryScheduled(int a, @Nullable String r, @Nullable Throwable f, RetryDecision d) {
                Thread.currentThread().interrupt();
              }
            })
            .build();

    RetryOutcome<String> outcome = policy.run(() -> {
      throw new IOException("down");
    });

    assertThat(outcome).isInstanceOf(RetryOutcome.Failed.class);
    RetryOutcome.Failed<String> f = (RetryOutcome.Failed<String>) outcome;
    assertThat(f.reason()).isEqualTo(RetryDecision.Reason.ABORTED);
    assertThat(f.attempts()).isEqualTo(1);
    assertThat(f.lastFailure()).isInstanceOf(InterruptedException.class);
    assertThat(f.earlierFailures()).singleElement().isInstanceOf(IOException.class);
    assertThat(Thread.interrupted()).isTrue();
  }

  @Test
  void blockingAttemptThatIgnoresTheInterruptHasItsLateResultDiscarded() {
    AtomicInteger calls = new AtomicInteger();
    RetryPolicy<String> policy = policy().attemptTimeout(Duration.ofSeconds(1)).build();

    String result = policy.execute(() -> {
      if (calls.incrementAndGet() == 1) {
        scheduler.advance(Duration.ofSeconds(3)); // busy for 3 s, deaf to the interrupt at 1 s
        return "late";
      }
      return "fresh";
    });

    assertThat(result).isEqualTo("fresh");
    assertThat(recorder.retriedFailures).singleElement().isInstanceOf(AttemptTimeoutException.class);
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
    assertThat(scheduler.pendingCount()).isZero();
  }

  @Test
  void blockingAttemptThatFinishesInTimeLeavesNoWatchdogAndNoInterrupt() {
    RetryPolicy<String> policy = policy().attemptTimeout(Duration.ofSeconds(1)).build();

    assertThat(policy.execute(() -> "quick")).isEqualTo("quick");

    assertThat(scheduler.pendingCount()).isZero();
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
  }

  @Test
  void manualTickerWithoutVirtualSchedulerIsAdvancedInsteadOfSleeping() {
    ManualTicker alone = new ManualTicker();
    AtomicInteger calls = new AtomicInteger();
    RetryPolicy<String> policy =
        RetryPolicy.<String>builder().ticker(alone).jitter(Jitter.none()).build();

    String result = policy.execute(() -> {
      if (calls.incrementAndGet() < 3) {
        throw new IOException("down");
      }
      return "ok";
    });

    assertThat(result).isEqualTo("ok");
    assertThat(alone.read()).isEqualTo(Duration.ofSeconds(3).toNanos());
  }

  @Test
  void firstTimeSuccessOfThePlainBlockingPathAllocatesNothing() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    assumeThat(bean).isInstanceOf(com.sun.management.ThreadMXBean.class);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
    assumeThat(threads.isThreadAllocatedMemorySupported()).isTrue();
    threads.setThreadAllocatedMemoryEnabled(true);
    RetryPolicy<String> policy =
        RetryPolicy.<String>builder().ticker(time).budget(RetryBudget.ofDefaults()).listener(recorderFree()).build();
    Callable<String> call = () -> "ok";
    int rounds = 100_000;
    for (int i = 0; i < 1_000; i++) {
      policy.execute(call); // load and link the classes; no JIT needed for what follows
    }
    long tid = Thread.currentThread().getId();

    long before = threads.getThreadAllocatedBytes(tid);
    for (int i = 0; i < rounds; i++) {
      policy.execute(call);
    }
    long allocated = threads.getThreadAllocatedBytes(tid) - before;

    // The measurement itself allocates a few hundred bytes; one object per call would be >= 1.6 MB.
    assertThat(allocated).as("bytes allocated by %d calls", rounds).isLessThan(16 * 1024);
  }

  @Test
  void firstTimeSuccessReadsTheClockOnlyWhenADeadlineNeedsIt() {
    AtomicInteger reads = new AtomicInteger();
    dev.closedloop.sync.time.Ticker counting = () -> {
      reads.incrementAndGet();
      return time.read();
    };
    Callable<String> call = () -> "ok";

    assertThat(RetryPolicy.<String>builder().ticker(counting).noDeadline().build().execute(call)).isEqualTo("ok");
    assertThat(reads.get()).as("reads without deadline").isZero();

    assertThat(RetryPolicy.<String>builder().ticker(counting).build().execute(call)).isEqualTo("ok");
    assertThat(reads.get()).as("reads with the default deadline").isEqualTo(1);
  }

  @Test
  void withoutDeadlineAFailureStillRetriesAfterItsBackoff() {
    AtomicInteger calls = new AtomicInteger();
    RetryPolicy<String> p = policy().noDeadline().maxAttempts(3).fixedDelay(Duration.ofSeconds(2)).build();

    String result = p.execute(() -> {
      if (calls.incrementAndGet() < 3) {
        throw new IOException("down");
      }
      return "ok";
    });

    assertThat(result).isEqualTo("ok");
    assertThat(calls.get()).isEqualTo(3);
    assertThat(time.read()).isEqualTo(Duration.ofSeconds(4).toNanos());
  }

  private static RetryListener<String> recorderFree() {
    return new RetryListener<>() {};
  }

  @Test
  void realTimeAndSystemSchedulerRetryToo() throws Exception {
    AtomicInteger blocking = new AtomicInteger();
    AtomicInteger async = new AtomicInteger();
    RetryPolicy<String> policy =
        RetryPolicy.<String>builder()
            .fixedDelay(Duration.ofMillis(1))
            .attemptTimeout(Duration.ofSeconds(5))
            .scheduler(Scheduler.system())
            .build();

    String sync = policy.execute(() -> {
      if (blocking.incrementAndGet() == 1) {
        throw new IOException("down");
      }
      return "sync";
    });
    String viaFuture =
        policy.executeAsync(() -> async.incrementAndGet() == 1
                ? CompletableFuture.<String>failedFuture(new IOException("down"))
                : CompletableFuture.completedFuture("async"))
            .get(10, TimeUnit.SECONDS);

    assertThat(sync).isEqualTo("sync");
    assertThat(viaFuture).isEqualTo("async");
    assertThat(blocking.get()).isEqualTo(2);
    assertThat(async.get()).isEqualTo(2);
  }

  @Test
  void decideRejectsADrawOutsideTheUnitInterval() {
    RetryPolicy<String> policy = policy().build();

    assertThatThrownBy(() -> policy.decide(1, null, new IOException(), 0, 0, 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("draw must be in [0, 1): 1.0");
    assertThatThrownBy(() -> policy.decide(1, null, new IOException(), 0, 0, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> policy.decide(0, null, new IOException(), 0, 0, 0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attempt must be at least 1: 0");
  }

  @Test
  void decideIsPureAndDrawsNothingItself() {
    RetryPolicy<String> policy =
        policy().jitter(Jitter.full()).random(RandomSource.fixed(0.9)).build();

    RetryDecision a = policy.decide(2, null, new IOException(), 0, 0, 0.25);
    RetryDecision b = policy.decide(2, null, new IOException(), 0, 0, 0.25);

    assertThat(a.delay()).isEqualTo(Duration.ofMillis(500)).isEqualTo(b.delay()); // 0.25 * 2 s
  }

  @Test
  void nullCallsAreRejected() {
    RetryPolicy<String> policy = policy().build();

    assertThatThrownBy(() -> policy.execute((Callable<String>) null)).hasMessage("call cannot be null");
    assertThatThrownBy(() -> policy.execute((RetryCallable<String>) null)).hasMessage("call cannot be null");
    assertThatThrownBy(() -> policy.run(null)).hasMessage("call cannot be null");
    assertThatThrownBy(() -> policy.runAsync(null)).hasMessage("call cannot be null");
  }
}
