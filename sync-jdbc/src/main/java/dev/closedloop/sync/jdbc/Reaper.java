package dev.closedloop.sync.jdbc;

import dev.closedloop.sync.time.Cancellable;
import dev.closedloop.sync.time.Scheduler;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntUnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The periodic delete of a table's dead rows, shared by the idempotency store and the audit log:
 * every interval on the scheduler, one run deletes batch after batch until a batch comes back
 * short (the table holds no more dead rows) or 1,000 batches ran, then schedules the next run.
 * A run that fails is logged and the next one comes as usual; {@link #stop()} ends it all (a
 * batch already running finishes).
 *
 * <p>This class is threadsafe.
 */
final class Reaper {
  private static final int MAX_BATCHES_PER_RUN = 1000;

  private final Scheduler scheduler;
  private final Duration interval;
  private final int batchSize;
  /** Deletes at most the given number of dead rows and returns how many it deleted. */
  private final IntUnaryOperator deleteBatch;
  private final Logger log;
  private final String what;
  private final AtomicReference<@Nullable Cancellable> next = new AtomicReference<>();
  private final AtomicBoolean stopped = new AtomicBoolean();

  /**
   * Returns a reaper that has not started.
   *
   * @param log the owner's logger, so that operators configure one name per component
   * @param what the reaper's name in log lines, for example {@code "idempotency reaper on app.idem"}
   */
  Reaper(Scheduler scheduler, Duration interval, int batchSize, IntUnaryOperator deleteBatch, Logger log, String what) {
    this.scheduler = scheduler;
    this.interval = interval;
    this.batchSize = batchSize;
    this.deleteBatch = deleteBatch;
    this.log = log;
    this.what = what;
  }

  /** Schedules the first run, one interval from now. */
  void start() {
    Cancellable scheduled = scheduler.schedule(this::run, interval);
    next.set(scheduled);
    if (stopped.get()) {
      scheduled.cancel(); // stopped while scheduling
    }
  }

  /** One run: batches until the table has no dead rows left, then the next run. */
  private void run() {
    if (stopped.get()) {
      return;
    }
    try {
      for (int i = 0; i < MAX_BATCHES_PER_RUN && !stopped.get(); i++) {
        if (deleteBatch.applyAsInt(batchSize) < batchSize) {
          break;
        }
      }
    } catch (RuntimeException e) {
      log.warn("{} failed; it runs again in {}", what, interval, e);
    } finally {
      if (!stopped.get()) {
        start();
      }
    }
  }

  /** Stops the runs for good. Idempotent. */
  void stop() {
    if (stopped.compareAndSet(false, true)) {
      Cancellable scheduled = next.getAndSet(null);
      if (scheduled != null) {
        scheduled.cancel();
      }
    }
  }
}
