package dev.closedloop.sync.idempotency;

import java.time.Duration;

/**
 * Where idempotency keys, their owners and their responses live: the SPI every store (in memory,
 * Redis, PostgreSQL) implements and the servlet filter uses.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li><b>Claim.</b> {@link #claim} atomically looks at the key. If it is free (never used,
 *       released, retention ended, or lease expired under {@link ExpiredLeasePolicy#RE_EXECUTE})
 *       the caller becomes its owner for {@code lease} and gets a fresh owner token ({@link
 *       ClaimResult.Claimed}). However many callers race, exactly one wins. The fingerprint is
 *       stored with the claim: a claim with another fingerprint while the key is live is a
 *       {@link ClaimResult.Mismatch}, never a conflict or a replay.
 *   <li><b>Fencing.</b> {@link #complete} and {@link #release} are compare-and-set on the owner
 *       token: they change the entry only while it is in progress under that very token, and
 *       return whether they did. A stale owner whose lease was taken over changes nothing and
 *       learns so from the {@code false}. A second {@code complete} or a {@code release} after
 *       {@code complete} also returns {@code false} and leaves the stored response intact.
 *       Whether an owner may still complete after its lease expired but before anyone took the
 *       key over is up to the store; callers must not rely on either answer. {@link #renew}
 *       is fenced the same way.
 *   <li><b>Lease and retention.</b> The lease bounds how long a claim may stay in progress; the
 *       retention, given at completion, how long the response is kept. They are independent.
 *   <li><b>Too large.</b> A store may refuse to keep a response larger than {@link
 *       #maxResponseBytes()} (by {@link StoredResponse#size()}); it then completes the entry as
 *       {@linkplain StoredResponse#notReplayable(int) not replayable} with the same status. The
 *       entry is completed either way: the request never runs again under this key.
 *   <li><b>Time.</b> Expiry is measured by the store's own clock (the injected {@link
 *       dev.closedloop.sync.time.Clock} in memory, the server's clock for Redis and PostgreSQL),
 *       never by a caller's.
 *   <li><b>Errors.</b> Bad arguments throw {@link NullPointerException} or {@link
 *       IllegalArgumentException} before anything is read or written (an
 *       implementation checks them with {@link
 *       dev.closedloop.sync.idempotency.spi.StoreArguments}). A store that cannot
 *       reach its storage throws {@link IdempotencyStoreUnavailableException} (a subclass of it
 *       naming the store); callers must then run nothing. A bounded store that is full throws
 *       {@link IdempotencyStoreFullException}.
 * </ul>
 *
 * <p>Implementations must be threadsafe and must pass {@code IdempotencyStoreCompatibilityKit}
 * from {@code sync-testkit}.
 */
public interface IdempotencyStore {
  /** How long a completed response is kept unless the caller says otherwise: 24 hours. */
  Duration DEFAULT_RETENTION = Duration.ofHours(24);

  /** How long a claim stays in progress unless the caller says otherwise: 30 seconds. */
  Duration DEFAULT_LEASE = Duration.ofSeconds(30);

  /** The longest fingerprint accepted, in characters. */
  int MAX_FINGERPRINT_LENGTH = 256;

  /**
   * Claims {@code key} for a request with {@code fingerprint}, for at most {@code lease}.
   *
   * @param key the scoped key
   * @param fingerprint what identifies the request (for HTTP: a hash of method, path, query,
   *     content type and body); 1 to {@value #MAX_FINGERPRINT_LENGTH} characters
   * @param lease how long the claim may stay in progress; positive
   * @return the outcome; see {@link ClaimResult}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the fingerprint or the lease is invalid
   * @throws IdempotencyStoreFullException if a bounded store is full of claims in progress
   * @throws IdempotencyStoreUnavailableException if the store cannot reach its storage
   */
  ClaimResult claim(IdempotencyKey key, String fingerprint, Duration lease);

  /**
   * Stores {@code response} as the result of the claim that {@code token} owns, and keeps it for
   * {@code retention}.
   *
   * @return true if the entry was in progress under {@code token} and is now completed; false if
   *     the caller is not (or no longer) the owner, and then nothing changed
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the token or the retention is invalid
   * @throws IdempotencyStoreUnavailableException if the store cannot reach its storage
   */
  boolean complete(IdempotencyKey key, String token, StoredResponse response, Duration retention);

  /**
   * Gives the key back without a result, so that the next claim runs the request (for example
   * after a failure that did not change anything).
   *
   * @return true if the entry was in progress under {@code token} and is now gone; false if the
   *     caller is not (or no longer) the owner, and then nothing changed
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the token is invalid
   * @throws IdempotencyStoreUnavailableException if the store cannot reach its storage
   */
  boolean release(IdempotencyKey key, String token);

  /**
   * Extends the lease of the claim that {@code token} owns: the claim stays in progress until
   * {@code lease} from now (the store's clock), as if it had been claimed now with that lease.
   * Fenced like {@link #complete}: it changes the entry only while it is in progress under that
   * very token. Front ends call it periodically while a request runs longer than its lease, and
   * while they retry a completion that failed, so that a retry of the request finds the key in
   * progress instead of running it again.
   *
   * <p>The default throws {@link UnsupportedOperationException}: a store written before this
   * method existed cannot extend a lease, and says so instead of pretending it did. Callers then
   * run without renewal (a request slower than its lease may run again on a retry). Every store
   * of this library implements it.
   *
   * @return true if the entry was in progress under {@code token} and is now leased for {@code
   *     lease} from now; false if the caller is not (or no longer) the owner, and then nothing
   *     changed
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the token or the lease is invalid
   * @throws UnsupportedOperationException if the store cannot renew leases (the default)
   * @throws IdempotencyStoreUnavailableException if the store cannot reach its storage
   */
  default boolean renew(IdempotencyKey key, String token, Duration lease) {
    throw new UnsupportedOperationException(getClass().getName() + " cannot renew a lease:"
        + " it does not implement IdempotencyStore.renew");
  }

  /**
   * Returns this store's counters: what it was asked and answered (see {@link
   * IdempotencyStoreStats}; implementations count with {@link IdempotencyStoreCounters}). Every
   * store of this library counts; the Redis and PostgreSQL stores count what this instance saw, and
   * report entries and bytes as -1. Meters read it at each scrape ({@code IdempotencyStoreMetrics}
   * in {@code sync-micrometer}).
   *
   * <p>The default throws {@link UnsupportedOperationException}: a store written before this method
   * existed keeps no counters, and says so.
   *
   * @throws UnsupportedOperationException if the store keeps no counters (the default)
   */
  default IdempotencyStoreStats stats() {
    throw new UnsupportedOperationException(getClass().getName() + " keeps no statistics:"
        + " it does not implement IdempotencyStore.stats");
  }

  /**
   * Returns the largest response (by {@link StoredResponse#size()}) this store keeps replayable;
   * larger ones are completed as not replayable. Front ends stop capturing beyond it.
   */
  default long maxResponseBytes() {
    return Long.MAX_VALUE;
  }
}
