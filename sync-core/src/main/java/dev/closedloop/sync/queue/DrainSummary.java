package dev.closedloop.sync.queue;

/**
 * What one {@link OfflineQueue#drain(DrainHandler)} call did.
 *
 * <p>This class is immutable and threadsafe.
 *
 * @param succeeded items handled and acknowledged
 * @param retried items that failed and wait for another attempt
 * @param deadLettered items dead-lettered (permanent failure, attempts exhausted or expired)
 */
public record DrainSummary(int succeeded, int retried, int deadLettered) {

  /** Returns how many items the drain took from the queue. */
  public int total() {
    return succeeded + retried + deadLettered;
  }
}
