package dev.closedloop.sync.idempotency;

/**
 * What a store does with a claim whose lease ran out before its owner completed or released it:
 * the owner crashed, hung or lost its connection, and nobody knows whether the effect happened.
 *
 * <p>This enum is immutable and threadsafe.
 */
public enum ExpiredLeasePolicy {
  /**
   * The default: the next claim of the key takes it over with a new owner token and runs the
   * request again. The stale owner can no longer complete or release. Right when the effect is
   * itself idempotent or transactional (it either committed with the response or not at all).
   */
  RE_EXECUTE,

  /**
   * The key stays in conflict (claims answer {@link ClaimResult.InProgress}) until the store's
   * abandoned-claim retention ends, measured from the claim. Right for effects that must never
   * repeat (a payment sent to a third party): the client learns the request may have run and a
   * human or a reconciliation job decides. The original owner may still complete.
   */
  CONFLICT_UNTIL_EXPIRY
}
