package dev.closedloop.sync.time;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A {@link Scheduler} over a {@link ScheduledExecutorService}. */
final class ExecutorScheduler implements Scheduler {
  private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

  private final ScheduledExecutorService timer;
  private final @Nullable Executor handOff;

  /**
   * @param handOff when true, the timer thread only hands due tasks to the common pool
   */
  ExecutorScheduler(ScheduledExecutorService timer, boolean handOff) {
    this.timer = Objects.requireNonNull(timer, "executor cannot be null");
    this.handOff = handOff ? java.util.concurrent.ForkJoinPool.commonPool() : null;
  }

  @Override
  public Cancellable schedule(Runnable task, long delayNanos) {
    Objects.requireNonNull(task, "task cannot be null");
    Runnable guarded = () -> runLogged(task);
    Runnable body = handOff == null ? guarded : () -> handOff.execute(guarded);
    ScheduledFuture<?> future = timer.schedule(body, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  static void runLogged(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException | Error e) {
      log.warn("Scheduled task {} failed", task, e);
    }
  }
}
