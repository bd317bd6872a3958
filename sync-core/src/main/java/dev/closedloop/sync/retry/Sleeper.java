package dev.closedloop.sync.retry;

import dev.closedloop.sync.time.ManualTicker;
import dev.closedloop.sync.time.Scheduler;
import dev.closedloop.sync.time.Ticker;
import dev.closedloop.sync.time.VirtualScheduler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * How the blocking path waits between attempts, chosen from the policy's time sources so that a
 * policy on fake time never really sleeps:
 *
 * <ul>
 *   <li>a {@link VirtualScheduler} driving the policy's {@link ManualTicker}: the wait advances
 *       the scheduler, so tasks due during the wait (an attempt-timeout watchdog, a test's own
 *       events) run in order on the waiting thread;
 *   <li>a {@link ManualTicker} with any other scheduler: the wait advances the ticker;
 *   <li>any other ticker: the thread sleeps the real time.
 * </ul>
 *
 * <p>Every sleeper is interruptible: an interrupt pending before or arriving during the wait
 * clears the flag and throws {@link InterruptedException}, which the caller turns into an
 * aborted call with the flag restored.
 */
@FunctionalInterface
interface Sleeper {

  /** Waits {@code nanos} (positive) nanoseconds. */
  void sleep(long nanos) throws InterruptedException;

  /** The real sleeper: {@link TimeUnit#sleep}, which is interruptible. */
  Sleeper SYSTEM = TimeUnit.NANOSECONDS::sleep;

  static Sleeper of(Ticker ticker, Scheduler scheduler) {
    if (ticker instanceof ManualTicker) {
      ManualTicker manual = (ManualTicker) ticker;
      if (scheduler instanceof VirtualScheduler && ((VirtualScheduler) scheduler).ticker() == manual) {
        VirtualScheduler virtual = (VirtualScheduler) scheduler;
        return nanos -> {
          checkInterrupt();
          virtual.advance(Duration.ofNanos(nanos));
          checkInterrupt();
        };
      }
      return nanos -> {
        checkInterrupt();
        manual.advanceNanos(nanos);
      };
    }
    return SYSTEM;
  }

  private static void checkInterrupt() throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException("interrupted while waiting to retry");
    }
  }
}
