package dev.closedloop.sync.queue;

/** What {@link OfflineQueue#nack} did with an item. This enum is immutable and threadsafe. */
public enum NackResult {
  /** The item waits for another attempt after the retry policy's backoff. */
  RETRY_SCHEDULED,
  /** The retry policy gave up (attempts exhausted, not retryable or aborted): it is a dead letter. */
  DEAD_LETTERED,
  /** No item with that id is in flight (never leased, already settled, or the queue was cleared). */
  NOT_IN_FLIGHT
}
