package dev.closedloop.sync.idempotency;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link Idempotency#begin} found, after the in-progress wait: the same four outcomes as
 * {@link ClaimResult}, except that a won claim comes with the {@link IdempotencyClaim} that keeps
 * it (renews its lease) and must end it.
 *
 * <ul>
 *   <li>{@link Claimed}: run the work, then {@link IdempotencyClaim#complete} or {@link
 *       IdempotencyClaim#release}, exactly once;
 *   <li>{@link Completed}: the work ran; hand its stored result over (if {@linkplain
 *       StoredResponse#isReplayable() replayable});
 *   <li>{@link InProgress}: another caller runs it now;
 *   <li>{@link Mismatch}: the key is live with another fingerprint.
 * </ul>
 *
 * <p>All implementations are immutable and threadsafe (the claim itself is threadsafe).
 */
public sealed interface IdempotencyAttempt
    permits IdempotencyAttempt.Claimed, IdempotencyAttempt.Completed, IdempotencyAttempt.InProgress,
        IdempotencyAttempt.Mismatch {

  /**
   * The caller owns the key: run the work and end the claim.
   *
   * @param claim the claim to complete or release
   */
  record Claimed(IdempotencyClaim claim) implements IdempotencyAttempt {
    /** @throws NullPointerException if {@code claim} is null */
    public Claimed {
      Objects.requireNonNull(claim, "claim cannot be null");
    }
  }

  /**
   * The work under this key completed with the same fingerprint.
   *
   * @param response its stored result
   */
  record Completed(StoredResponse response) implements IdempotencyAttempt {
    /** @throws NullPointerException if {@code response} is null */
    public Completed {
      Objects.requireNonNull(response, "response cannot be null");
    }
  }

  /**
   * Another owner holds the key.
   *
   * @param retryAfter when asking again may give another answer
   */
  record InProgress(Duration retryAfter) implements IdempotencyAttempt {
    /** @throws NullPointerException if {@code retryAfter} is null */
    public InProgress {
      Objects.requireNonNull(retryAfter, "retryAfter cannot be null");
    }
  }

  /** The key is live with another fingerprint. */
  record Mismatch() implements IdempotencyAttempt {}
}
