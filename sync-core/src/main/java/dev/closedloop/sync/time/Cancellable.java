package dev.closedloop.sync.time;

/**
 * A handle on a task given to a {@link Scheduler}.
 *
 * <p>Implementations must be threadsafe.
 */
public interface Cancellable {

  /**
   * Cancels the task if it has not started yet.
   *
   * @return {@code true} if this call prevented the task from running; {@code false} if it had
   *     already run, started, or been cancelled
   */
  boolean cancel();
}
