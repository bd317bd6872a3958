package dev.closedloop.sync.idempotency;

/**
 * A snapshot of an idempotency store's counters: the in-memory store's, and those of the Redis and
 * PostgreSQL stores, which count what this instance (this node) asked and was answered. The counts
 * are cumulative since the store was created; {@link #entries()} and {@link #bytes()} are current
 * (-1 for a store that keeps its entries in a server and cannot tell cheaply). Counters are read
 * one by one, so a snapshot taken under load may be off by the operations in flight.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class IdempotencyStoreStats {
  private final long claims;
  private final long takeovers;
  private final long replays;
  private final long conflicts;
  private final long mismatches;
  private final long completions;
  private final long notReplayable;
  private final long releases;
  private final long renewals;
  private final long staleOwnerRejections;
  private final long evictions;
  private final long expirations;
  private final long rejectedFull;
  private final long unavailable;
  private final int entries;
  private final long bytes;

  IdempotencyStoreStats(
      long claims, long takeovers, long replays, long conflicts, long mismatches, long completions,
      long notReplayable, long releases, long renewals, long staleOwnerRejections, long evictions, long expirations,
      long rejectedFull, long unavailable, int entries, long bytes) {
    this.claims = claims;
    this.takeovers = takeovers;
    this.replays = replays;
    this.conflicts = conflicts;
    this.mismatches = mismatches;
    this.completions = completions;
    this.notReplayable = notReplayable;
    this.releases = releases;
    this.renewals = renewals;
    this.staleOwnerRejections = staleOwnerRejections;
    this.evictions = evictions;
    this.expirations = expirations;
    this.rejectedFull = rejectedFull;
    this.unavailable = unavailable;
    this.entries = entries;
    this.bytes = bytes;
  }

  /** Returns how many claims answered {@link ClaimResult.Claimed}, takeovers included. */
  public long claims() {
    return claims;
  }

  /** Returns how many of those claims took over a key whose lease had expired. */
  public long takeovers() {
    return takeovers;
  }

  /** Returns how many claims answered {@link ClaimResult.Completed}. */
  public long replays() {
    return replays;
  }

  /** Returns how many claims answered {@link ClaimResult.InProgress}. */
  public long conflicts() {
    return conflicts;
  }

  /** Returns how many claims answered {@link ClaimResult.Mismatch}. */
  public long mismatches() {
    return mismatches;
  }

  /** Returns how many completions succeeded, not-replayable ones included. */
  public long completions() {
    return completions;
  }

  /** Returns how many completions were kept as not replayable because they were too large. */
  public long notReplayable() {
    return notReplayable;
  }

  /** Returns how many releases succeeded. */
  public long releases() {
    return releases;
  }

  /** Returns how many lease renewals succeeded. */
  public long renewals() {
    return renewals;
  }

  /**
   * Returns how many completions, releases and renewals were refused because the caller was not
   * the owner.
   */
  public long staleOwnerRejections() {
    return staleOwnerRejections;
  }

  /** Returns how many completed entries were evicted early to respect the bounds. */
  public long evictions() {
    return evictions;
  }

  /** Returns how many entries were dropped because their retention or lease had ended. */
  public long expirations() {
    return expirations;
  }

  /** Returns how many claims were refused with {@link IdempotencyStoreFullException}. */
  public long rejectedFull() {
    return rejectedFull;
  }

  /**
   * Returns how many operations failed because the storage could not be reached ({@link
   * IdempotencyStoreUnavailableException}); always 0 in memory.
   */
  public long unavailable() {
    return unavailable;
  }

  /** Returns the entries held now, or -1 if the store cannot tell. */
  public int entries() {
    return entries;
  }

  /** Returns the bytes held now, by the store's estimate, or -1 if the store cannot tell. */
  public long bytes() {
    return bytes;
  }

  @Override
  public String toString() {
    return "IdempotencyStoreStats[claims=" + claims + ", takeovers=" + takeovers + ", replays=" + replays
        + ", conflicts=" + conflicts + ", mismatches=" + mismatches + ", completions=" + completions
        + ", notReplayable=" + notReplayable + ", releases=" + releases + ", renewals=" + renewals
        + ", staleOwnerRejections=" + staleOwnerRejections + ", evictions=" + evictions
        + ", expirations=" + expirations + ", rejectedFull=" + rejectedFull + ", unavailable=" + unavailable
        + ", entries=" + entries + ", bytes=" + bytes + "]";
  }
}
