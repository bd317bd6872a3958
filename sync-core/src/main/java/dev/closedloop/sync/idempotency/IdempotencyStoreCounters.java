package dev.closedloop.sync.idempotency;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind {@link IdempotencyStoreStats}, for store implementations (the in-memory,
 * Redis and PostgreSQL stores share it): each store operation counts what it answered, and
 * {@link #snapshot} reads them. Counting is a {@link LongAdder} increment, cheap under
 * contention.
 *
 * <p>For store implementations; one instance per store.
 *
 * <p>This class is threadsafe.
 */
public final class IdempotencyStoreCounters {
  private final LongAdder claims = new LongAdder();
  private final LongAdder takeovers = new LongAdder();
  private final LongAdder replays = new LongAdder();
  private final LongAdder conflicts = new LongAdder();
  private final LongAdder mismatches = new LongAdder();
  private final LongAdder completions = new LongAdder();
  private final LongAdder notReplayable = new LongAdder();
  private final LongAdder releases = new LongAdder();
  private final LongAdder renewals = new LongAdder();
  private final LongAdder staleOwnerRejections = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder expirations = new LongAdder();
  private final LongAdder rejectedFull = new LongAdder();
  private final LongAdder unavailable = new LongAdder();

  /** Creates counters at zero. */
  public IdempotencyStoreCounters() {}

  /** Counts a claim by its answer and returns the answer. */
  public ClaimResult claimed(ClaimResult result) {
    if (result instanceof ClaimResult.Claimed) {
      claims.increment();
    } else if (result instanceof ClaimResult.Completed) {
      replays.increment();
    } else if (result instanceof ClaimResult.InProgress) {
      conflicts.increment();
    } else {
      mismatches.increment();
    }
    return result;
  }

  /** Counts a claim that took over an expired lease (also counted by {@link #claimed}). */
  public void takeover() {
    takeovers.increment();
  }

  /** Counts a completion that stored {@code kept} (as not replayable, if it is). */
  public void completed(StoredResponse kept) {
    completions.increment();
    if (!kept.isReplayable()) {
      notReplayable.increment();
    }
  }

  /** Counts a release that gave the key back. */
  public void released() {
    releases.increment();
  }

  /** Counts a renewal that extended a lease. */
  public void renewed() {
    renewals.increment();
  }

  /** Counts a completion, release or renewal refused because the caller was not the owner. */
  public void staleOwner() {
    staleOwnerRejections.increment();
  }

  /** Counts an operation that failed because the storage could not be reached. */
  public void unavailable() {
    unavailable.increment();
  }

  /** Counts a completed entry evicted early to respect a bound. */
  public void evicted() {
    evictions.increment();
  }

  /** Counts an entry dropped because its retention or lease ended. */
  public void expired() {
    expirations.increment();
  }

  /** Counts a claim refused with {@link IdempotencyStoreFullException}. */
  public void rejectedFull() {
    rejectedFull.increment();
  }

  /**
   * Returns the counts now, with the store's current size.
   *
   * @param entries the entries held now, or -1 if the store cannot tell
   * @param bytes the bytes held now, or -1 if the store cannot tell
   */
  public IdempotencyStoreStats snapshot(int entries, long bytes) {
    return new IdempotencyStoreStats(claims.sum(), takeovers.sum(), replays.sum(), conflicts.sum(), mismatches.sum(),
        completions.sum(), notReplayable.sum(), releases.sum(), renewals.sum(), staleOwnerRejections.sum(),
        evictions.sum(), expirations.sum(), rejectedFull.sum(), unavailable.sum(), entries, bytes);
  }
}
