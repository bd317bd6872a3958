package dev.closedloop.sync.time;

import java.util.concurrent.ScheduledThreadPoolExecutor;

/** Holder of the lazily created system scheduler. */
final class SystemScheduler {
  private SystemScheduler() {}

  static final Scheduler INSTANCE = create();

  private static Scheduler create() {
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "closedloop-sync-timer");
              t.setDaemon(true);
              return t;
            });
    timer.setRemoveOnCancelPolicy(true);
    return new ExecutorScheduler(timer, true);
  }
}
