package dev.closedloop.sync.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtualSchedulerTest {
  final ManualTicker ticker = new ManualTicker();
  final VirtualScheduler scheduler = new VirtualScheduler(ticker);
  final List<String> ran = new ArrayList<>();

  Runnable log(String name) {
    return () -> ran.add(name + "@" + Duration.ofNanos(ticker.read()).toMillis());
  }

  @Test
  void nothingRunsUntilTimeIsAdvanced() {
    scheduler.schedule(log("a"), Duration.ZERO);
    scheduler.schedule(log("b"), Duration.ofSeconds(1));

    assertThat(ran).isEmpty();
    assertThat(scheduler.pendingCount()).isEqualTo(2);
  }

  @Test
  void tasksRunInOrderOfDueTimeThenInTheOrderScheduled() {
    scheduler.schedule(log("late"), Duration.ofMillis(300));
    scheduler.schedule(log("first-tie"), Duration.ofMillis(100));
    scheduler.schedule(log("early"), Duration.ofMillis(50));
    scheduler.schedule(log("second-tie"), Duration.ofMillis(100));

    assertThat(scheduler.advance(Duration.ofSeconds(1))).isEqualTo(4);

    assertThat(ran).containsExactly("early@50", "first-tie@100", "second-tie@100", "late@300");
    assertThat(ticker.read()).isEqualTo(Duration.ofSeconds(1).toNanos());
  }

  @Test
  void advanceRunsOnlyTasksDueByTheNewTime() {
    scheduler.schedule(log("due"), Duration.ofMillis(500));
    scheduler.schedule(log("exactly-due"), Duration.ofMillis(1000));
    scheduler.schedule(log("not-yet"), Duration.ofMillis(1001));

    assertThat(scheduler.advance(Duration.ofSeconds(1))).isEqualTo(2);

    assertThat(ran).containsExactly("due@500", "exactly-due@1000");
    assertThat(scheduler.pendingCount()).isEqualTo(1);
    assertThat(scheduler.nextDelay()).isEqualTo(Duration.ofMillis(1));
  }

  @Test
  void tasksMayScheduleTasksThatRunInTheSameAdvanceWhenDue() {
    scheduler.schedule(() -> {
      ran.add("parent@" + Duration.ofNanos(ticker.read()).toMillis());
      scheduler.schedule(log("child"), Duration.ofMillis(200));
      scheduler.schedule(log("too-late-child"), Duration.ofSeconds(5));
    }, Duration.ofMillis(100));

    scheduler.advance(Duration.ofSeconds(1));

    assertThat(ran).containsExactly("parent@100", "child@300");
    assertThat(scheduler.pendingCount()).isEqualTo(1);
  }

  @Test
  void cancelledTasksNeverRun() {
    Cancellable a = scheduler.schedule(log("a"), Duration.ofMillis(10));
    scheduler.schedule(log("b"), Duration.ofMillis(20));

    assertThat(a.cancel()).isTrue();
    assertThat(a.cancel()).isFalse();
    assertThat(scheduler.pendingCount()).isEqualTo(1);
    scheduler.advance(Duration.ofSeconds(1));

    assertThat(ran).containsExactly("b@20");
  }

  @Test
  void cancellingATaskThatRanReportsFalse() {
    Cancellable a = scheduler.schedule(log("a"), Duration.ZERO);
    scheduler.runDue();

    assertThat(a.cancel()).isFalse();
    assertThat(ran).containsExactly("a@0");
  }

  @Test
  void runNextJumpsToTheNextDueTimeAndRunsWhatIsDueThen() {
    scheduler.schedule(log("a"), Duration.ofSeconds(3));
    scheduler.schedule(log("b"), Duration.ofSeconds(3));
    scheduler.schedule(log("c"), Duration.ofSeconds(7));

    assertThat(scheduler.runNext()).isEqualTo(2);
    assertThat(ticker.read()).isEqualTo(Duration.ofSeconds(3).toNanos());
    assertThat(scheduler.runNext()).isEqualTo(1);
    assertThat(scheduler.runNext()).isZero();
    assertThat(ran).containsExactly("a@3000", "b@3000", "c@7000");
    assertThat(scheduler.nextDelay()).isNull();
  }

  @Test
  void runDueRunsWhatTheTickerAlreadyPassedWithoutMovingTime() {
    scheduler.schedule(log("a"), Duration.ofSeconds(1));
    ticker.advance(Duration.ofSeconds(2)); // moving the ticker alone runs nothing
    assertThat(ran).isEmpty();

    assertThat(scheduler.runDue()).isEqualTo(1);

    assertThat(ran).containsExactly("a@2000");
    assertThat(ticker.read()).isEqualTo(Duration.ofSeconds(2).toNanos());
  }

  @Test
  void aThrowingTaskDoesNotStopLaterTasks() {
    scheduler.schedule(() -> {
      throw new IllegalStateException("task bug");
    }, Duration.ofMillis(1));
    scheduler.schedule(log("after"), Duration.ofMillis(2));

    assertThat(scheduler.advance(Duration.ofMillis(5))).isEqualTo(2);

    assertThat(ran).containsExactly("after@2");
  }

  @Test
  void hugeDelaysSaturateInsteadOfOverflowing() {
    scheduler.schedule(log("never"), Long.MAX_VALUE);
    ticker.advance(Duration.ofSeconds(1));

    scheduler.advance(Duration.ofDays(365));

    assertThat(ran).isEmpty();
    assertThat(scheduler.pendingCount()).isEqualTo(1);
  }

  @Test
  void badArgumentsAreRejected() {
    assertThatThrownBy(() -> scheduler.advance(Duration.ofNanos(-1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> scheduler.advance(null)).isInstanceOf(NullPointerException.class).hasMessage("delta cannot be null");
    assertThatThrownBy(() -> scheduler.schedule(null, 1L)).isInstanceOf(NullPointerException.class).hasMessage("task cannot be null");
    assertThatThrownBy(() -> new VirtualScheduler(null)).isInstanceOf(NullPointerException.class).hasMessage("ticker cannot be null");
  }
}
