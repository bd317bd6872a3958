package dev.closedloop.sync.idempotency;

/**
 * A snapshot of an {@link Idempotency}'s counters, cumulative since it was built. Counters are
 * read one by one, so a snapshot taken under load may be off by the calls in flight.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class IdempotencyStats {
  private final long first;
  private final long replayed;
  private final long conflicts;
  private final long mismatches;
  private final long notReplayable;
  private final long stored;
  private final long storedBytes;
  private final long released;
  private final long ownershipLost;
  private final long storeFailures;

  IdempotencyStats(long first, long replayed, long conflicts, long mismatches, long notReplayable, long stored,
      long storedBytes, long released, long ownershipLost, long storeFailures) {
    this.first = first;
    this.replayed = replayed;
    this.conflicts = conflicts;
    this.mismatches = mismatches;
    this.notReplayable = notReplayable;
    this.stored = stored;
    this.storedBytes = storedBytes;
    this.released = released;
    this.ownershipLost = ownershipLost;
    this.storeFailures = storeFailures;
  }

  /** Returns how many calls ran the work for the first time (claims won). */
  public long first() {
    return first;
  }

  /** Returns how many stored results were handed to repeats. */
  public long replayed() {
    return replayed;
  }

  /** Returns how many calls found their key in progress (after the wait). */
  public long conflicts() {
    return conflicts;
  }

  /** Returns how many calls found their key used with another fingerprint. */
  public long mismatches() {
    return mismatches;
  }

  /** Returns how many calls found the work completed with a result that was not kept. */
  public long notReplayable() {
    return notReplayable;
  }

  /** Returns how many results were stored, not-replayable ones included. */
  public long stored() {
    return stored;
  }

  /** Returns the total size of the stored results, by {@link StoredResponse#size()}. */
  public long storedBytes() {
    return storedBytes;
  }

  /** Returns how many claims were released (the work failed). */
  public long released() {
    return released;
  }

  /** Returns how many completions or releases found the claim taken over. */
  public long ownershipLost() {
    return ownershipLost;
  }

  /** Returns how many store calls failed (claims, completions, releases, renewals). */
  public long storeFailures() {
    return storeFailures;
  }

  @Override
  public String toString() {
    return "IdempotencyStats[first=" + first + ", replayed=" + replayed + ", conflicts=" + conflicts
        + ", mismatches=" + mismatches + ", notReplayable=" + notReplayable + ", stored=" + stored
        + ", storedBytes=" + storedBytes + ", released=" + released + ", ownershipLost=" + ownershipLost
        + ", storeFailures=" + storeFailures + "]";
  }
}
