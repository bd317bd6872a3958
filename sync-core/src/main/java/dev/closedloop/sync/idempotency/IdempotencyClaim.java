package dev.closedloop.sync.idempotency;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * A won claim, from {@link Idempotency#begin} to its end. While it is held its lease is renewed
 * every third of the lease on the {@link Idempotency}'s scheduler, so work slower than its lease
 * is not run again by a repeat. It ends exactly once, by {@link #complete} (the work's result is
 * the key's outcome) or {@link #release} (the work failed; a repeat runs it again); either wakes
 * the callers of the same {@link Idempotency} waiting for the key, and reports to its listeners.
 * A claim that is never ended is renewed for as long as the process lives: end it in a {@code
 * finally}.
 *
 * <p>This class is threadsafe: the end is decided by one compare-and-set.
 */
public final class IdempotencyClaim {
  /** How {@link #complete} ended. */
  public enum Completion {
    /** The result is stored: repeats get it. */
    STORED,
    /**
     * The claim was taken over before the result could be stored (its lease ran out): the result
     * is not the key's outcome, and a repeat may run the work again.
     */
    LOST,
    /**
     * The store stayed unreachable until the retention would have ended anyway (or failed
     * otherwise): the key stays in progress until its lease ends.
     */
    GAVE_UP
  }

  private final DefaultIdempotency idempotency;
  private final IdempotencyKey key;
  private final ClaimKeeper keeper;
  private final @Nullable CompletableFuture<Void> done;
  private final AtomicBoolean ended = new AtomicBoolean();

  IdempotencyClaim(DefaultIdempotency idempotency, IdempotencyKey key, ClaimKeeper keeper,
      @Nullable CompletableFuture<Void> done) {
    this.idempotency = idempotency;
    this.key = key;
    this.keeper = keeper;
    this.done = done;
  }

  /** Returns the claimed key. */
  public IdempotencyKey key() {
    return key;
  }

  /**
   * Stores {@code result} as the key's outcome, kept for the {@link Idempotency}'s retention. When
   * the store is unreachable the completion is retried with backoff (the lease renewed meanwhile)
   * until it is stored, the claim is known lost, or the retention would have ended: the work ran,
   * so the key must not run again. Blocks the calling thread meanwhile (on fake time it moves the
   * {@link dev.closedloop.sync.time.VirtualScheduler}). A result that failed and yet landed is
   * recognised as stored.
   *
   * @return how it ended
   * @throws NullPointerException if {@code result} is null
   * @throws IllegalStateException if the claim already ended
   */
  public Completion complete(StoredResponse result) {
    Objects.requireNonNull(result, "result cannot be null");
    end();
    return idempotency.complete(key, keeper, done, result);
  }

  /**
   * Gives the key back without a result, so a repeat runs the work again: the work failed (or its
   * answer is not to be kept). Never throws for the store: a failure is reported to the listeners
   * and the claim then ends with its lease.
   *
   * @param status the status of the answer not kept (for HTTP front ends), or -1 when the work
   *     threw
   * @param failure what the work threw, or null
   * @return true if the key was given back; false if the claim was lost or the store failed
   * @throws IllegalStateException if the claim already ended
   */
  public boolean release(int status, @Nullable Throwable failure) {
    end();
    return idempotency.release(key, keeper, done, status, failure);
  }

  private void end() {
    if (!ended.compareAndSet(false, true)) {
      throw new IllegalStateException("the claim of key " + key.redacted() + " already ended");
    }
  }

  @Override
  public String toString() {
    return "IdempotencyClaim[" + key.redacted() + (ended.get() ? ", ended" : ", held") + "]";
  }
}
