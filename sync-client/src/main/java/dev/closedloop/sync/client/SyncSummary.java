package dev.closedloop.sync.client;

/**
 * What one {@link OfflineSync#syncNow()} pass did.
 *
 * <p>This class is immutable and threadsafe.
 *
 * @param replayed requests the server applied (acknowledged and removed from the queue)
 * @param retried requests that failed and wait for another attempt after their backoff
 * @param deadLettered requests dead-lettered (rejected, retries exhausted, expired or unreadable)
 * @param stoppedOffline true if the pass stopped because the network is down
 */
public record SyncSummary(int replayed, int retried, int deadLettered, boolean stoppedOffline) {

  /** Returns how many requests the pass settled. */
  public int total() {
    return replayed + retried + deadLettered;
  }
}
