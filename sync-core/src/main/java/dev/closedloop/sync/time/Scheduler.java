package dev.closedloop.sync.time;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task after a delay. The library's asynchronous paths wait through a scheduler and never
 * park a thread; tests pass a {@link VirtualScheduler} and move time by hand.
 *
 * <p>A task should be short: it runs on the scheduler's thread. A task that throws is logged by
 * the scheduler and does not stop later tasks.
 *
 * <p>Implementations must be threadsafe.
 */
@FunctionalInterface
public interface Scheduler {

  /**
   * Schedules {@code task} to run once after {@code delayNanos} nanoseconds (zero or negative:
   * as soon as possible).
   *
   * @throws NullPointerException if {@code task} is null
   * @throws java.util.concurrent.RejectedExecutionException if the scheduler is shut down
   */
  Cancellable schedule(Runnable task, long delayNanos);

  /** Schedules {@code task} after {@code delay}; see {@link #schedule(Runnable, long)}. */
  default Cancellable schedule(Runnable task, Duration delay) {
    Objects.requireNonNull(delay, "delay cannot be null");
    return schedule(task, Durations.saturatedNanos(delay));
  }

  /**
   * Blocks the calling thread until {@code nanos} (positive) have passed on {@code ticker}, the
   * time source the caller measures by: the blocking retry path waits here between attempts.
   *
   * <p>The default sleeps the real time, unless {@code ticker} is a {@link ManualTicker}, which no
   * sleep could move: then it advances that ticker instead. {@link VirtualScheduler} overrides it:
   * on its own ticker the wait advances the scheduler, running the tasks that come due (an
   * attempt-timeout watchdog, a test's own events) in order on the calling thread. So a caller on
   * fake time never really sleeps, and needs no check of which fake it was given.
   *
   * <p>Interruptible: an interrupt pending before the wait, or arriving during a real sleep,
   * clears the flag and throws {@link InterruptedException}.
   *
   * @throws InterruptedException if the thread is interrupted
   */
  default void sleep(long nanos, Ticker ticker) throws InterruptedException {
    if (ticker instanceof ManualTicker) {
      Durations.checkInterrupt();
      ((ManualTicker) ticker).advanceNanos(nanos);
    } else {
      TimeUnit.NANOSECONDS.sleep(nanos);
    }
  }

  /**
   * Returns the shared system scheduler: one daemon thread that only hands due tasks to the
   * common {@link java.util.concurrent.ForkJoinPool}, so a slow task cannot delay others.
   */
  static Scheduler system() {
    return SystemScheduler.INSTANCE;
  }

  /**
   * Returns a scheduler backed by {@code executor}; the caller owns the executor and shuts it
   * down. Tasks run on the executor's threads.
   */
  static Scheduler of(ScheduledExecutorService executor) {
    return new ExecutorScheduler(executor, false);
  }
}
