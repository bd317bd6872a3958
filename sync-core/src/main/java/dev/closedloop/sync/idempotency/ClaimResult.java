package dev.closedloop.sync.idempotency;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link IdempotencyStore#claim} found. Exactly one of four outcomes:
 *
 * <ul>
 *   <li>{@link Claimed}: the caller owns the key now and must run the request, then {@code
 *       complete} or {@code release} with the token;
 *   <li>{@link InProgress}: someone else owns it; try again after {@link InProgress#retryAfter()};
 *   <li>{@link Completed}: the request ran; replay its response (if {@linkplain
 *       StoredResponse#isReplayable() replayable});
 *   <li>{@link Mismatch}: the key is live but was used for a different request (another
 *       fingerprint), in progress or completed.
 * </ul>
 *
 * <p>All implementations are immutable and threadsafe.
 */
public sealed interface ClaimResult
    permits ClaimResult.Claimed, ClaimResult.InProgress, ClaimResult.Completed, ClaimResult.Mismatch {

  /**
   * The caller owns the key until its lease ends.
   *
   * @param token the owner token to pass to {@code complete} or {@code release}
   */
  record Claimed(String token) implements ClaimResult {
    /** @throws NullPointerException if {@code token} is null */
    public Claimed {
      Objects.requireNonNull(token, "token cannot be null");
    }
  }

  /**
   * Another owner holds the key.
   *
   * @param retryAfter when asking again may give another answer: the rest of the owner's lease,
   *     or of the conflict under {@link ExpiredLeasePolicy#CONFLICT_UNTIL_EXPIRY}; positive
   */
  record InProgress(Duration retryAfter) implements ClaimResult {
    /** @throws NullPointerException if {@code retryAfter} is null */
    public InProgress {
      Objects.requireNonNull(retryAfter, "retryAfter cannot be null");
    }
  }

  /**
   * The request under this key completed with the same fingerprint.
   *
   * @param response what it answered
   */
  record Completed(StoredResponse response) implements ClaimResult {
    /** @throws NullPointerException if {@code response} is null */
    public Completed {
      Objects.requireNonNull(response, "response cannot be null");
    }
  }

  /** The key is live with another fingerprint: the client reused a key for another request. */
  record Mismatch() implements ClaimResult {}
}
