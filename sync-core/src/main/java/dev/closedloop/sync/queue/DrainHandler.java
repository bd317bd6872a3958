package dev.closedloop.sync.queue;

/**
 * Sends one queued item, for {@link OfflineQueue#drain(DrainHandler)}.
 *
 * <ul>
 *   <li>Returning normally means success: the item is acknowledged and removed.
 *   <li>Throwing {@link PermanentFailureException} dead-letters the item at once (say, the server
 *       answered 400: retrying cannot help).
 *   <li>Throwing any other {@link Exception} is a failed attempt: the queue's retry policy decides
 *       whether the item waits for another attempt or becomes a dead letter.
 *   <li>Throwing {@link InterruptedException} (or an {@link Error}) hands the item back without
 *       counting an attempt, and ends the drain.
 * </ul>
 *
 * <p>These are {@link DrainVerdict}s said with exceptions; a handler that needs the others (a dead
 * letter with its own reason, a stop without an interrupt) returns verdicts to {@link
 * OfflineQueue#drain(java.util.function.Function, OfflineQueueListener)} instead.
 *
 * <p>Implementations must be threadsafe if the queue is drained from several threads.
 */
@FunctionalInterface
public interface DrainHandler {

  /**
   * Handles one item.
   *
   * @param item the item, leased to this call: no other item of its scope runs until it returns
   * @throws Exception to report a failed attempt, as described above
   */
  void handle(QueuedItem item) throws Exception;
}
