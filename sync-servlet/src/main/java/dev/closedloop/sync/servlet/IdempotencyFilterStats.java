package dev.closedloop.sync.servlet;

/**
 * A snapshot of an {@link IdempotencyFilter}'s counters, cumulative since it was created.
 * Counters are read one by one, so a snapshot taken under load may be off by the requests in
 * flight.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class IdempotencyFilterStats {
  private final long first;
  private final long replayed;
  private final long conflicts;
  private final long mismatches;
  private final long notReplayable;
  private final long stored;
  private final long storedBytes;
  private final long released;
  private final long ownershipLost;
  private final long rejected;
  private final long storeFailures;

  IdempotencyFilterStats(long first, long replayed, long conflicts, long mismatches, long notReplayable,
      long stored, long storedBytes, long released, long ownershipLost, long rejected, long storeFailures) {
    this.first = first;
    this.replayed = replayed;
    this.conflicts = conflicts;
    this.mismatches = mismatches;
    this.notReplayable = notReplayable;
    this.stored = stored;
    this.storedBytes = storedBytes;
    this.released = released;
    this.ownershipLost = ownershipLost;
    this.rejected = rejected;
    this.storeFailures = storeFailures;
  }

  /** Returns how many keyed requests ran for the first time (claims won). */
  public long first() {
    return first;
  }

  /** Returns how many responses were replayed. */
  public long replayed() {
    return replayed;
  }

  /** Returns how many requests were answered 409 because their key was in progress. */
  public long conflicts() {
    return conflicts;
  }

  /** Returns how many requests were answered 422 because their key was used for another request. */
  public long mismatches() {
    return mismatches;
  }

  /** Returns how many requests were answered 409 because the completed response was not replayable. */
  public long notReplayable() {
    return notReplayable;
  }

  /** Returns how many responses were stored, not-replayable ones included. */
  public long stored() {
    return stored;
  }

  /** Returns the total size of the stored responses, by {@code StoredResponse.size()}. */
  public long storedBytes() {
    return storedBytes;
  }

  /** Returns how many claims were released (server errors, exceptions). */
  public long released() {
    return released;
  }

  /** Returns how many completions or releases found the claim taken over. */
  public long ownershipLost() {
    return ownershipLost;
  }

  /** Returns how many requests were refused before a claim (400, 413). */
  public long rejected() {
    return rejected;
  }

  /** Returns how many store calls failed. */
  public long storeFailures() {
    return storeFailures;
  }

  @Override
  public String toString() {
    return "IdempotencyFilterStats[first=" + first + ", replayed=" + replayed + ", conflicts=" + conflicts
        + ", mismatches=" + mismatches + ", notReplayable=" + notReplayable + ", stored=" + stored
        + ", storedBytes=" + storedBytes + ", released=" + released + ", ownershipLost=" + ownershipLost
        + ", rejected=" + rejected + ", storeFailures=" + storeFailures + "]";
  }
}
