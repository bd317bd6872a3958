package dev.closedloop.sync.idempotency;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Hears what an {@link Idempotency} does with each key, for metrics, logs and audit. Every method
 * has a no-op default, so events can be added without breaking implementations. The servlet
 * filter, which runs on an {@link Idempotency}, reports to these listeners too (its builder takes
 * them beside its own {@code IdempotencyFilterListener}s), so one audit listener serves HTTP
 * endpoints and message consumers alike.
 *
 * <p>Contract: called on the thread that runs the work (or, for {@link #onStoreFailure} of a
 * lease renewal, on the scheduler's thread), they must be fast, must not throw and must not call
 * back into the {@link Idempotency}. A listener that throws anyway is logged and skipped; the
 * work and the other listeners go on.
 *
 * <p>Implementations must be threadsafe: calls arrive concurrently.
 */
public interface IdempotencyListener {
  /** A listener that does nothing. */
  IdempotencyListener NONE = new IdempotencyListener() {};

  /**
   * The store answered the first claim for this key, and how long that took, on the {@link
   * Idempotency}'s ticker. Called once per call that reached the store, before the event for its
   * outcome; a claim that threw is reported by {@link #onStoreFailure} instead. With an
   * in-progress wait, {@code result} is the first answer, before the wait.
   */
  default void onClaim(IdempotencyKey key, ClaimResult result, long durationNanos) {}

  /** The key was claimed: the work runs for the first time under it. */
  default void onFirst(IdempotencyKey key) {}

  /** A completed result was handed to a repeat. */
  default void onReplayed(IdempotencyKey key, StoredResponse response) {}

  /** The key is in progress elsewhere (after the in-progress wait, if any). */
  default void onConflict(IdempotencyKey key, Duration retryAfter) {}

  /** The key is live with a different fingerprint. */
  default void onMismatch(IdempotencyKey key) {}

  /** The work completed before, but its result was not kept (too large): it cannot be replayed. */
  default void onNotReplayable(IdempotencyKey key) {}

  /** The result was stored as the key's outcome ({@code response} may be not replayable). */
  default void onStored(IdempotencyKey key, StoredResponse response) {}

  /**
   * The claim was released, so a retry runs the work again.
   *
   * @param status the status of the answer that was not kept (for HTTP front ends), or -1 when
   *     the work threw
   * @param failure what the work threw, or null
   */
  default void onReleased(IdempotencyKey key, int status, @Nullable Throwable failure) {}

  /**
   * The claim was no longer this caller's when it completed or released: its lease expired and
   * another caller took the key over. The work's result was not stored.
   */
  default void onOwnershipLost(IdempotencyKey key) {}

  /**
   * The store failed. On a claim, nothing ran and the caller got the exception; on a completion,
   * release or lease renewal, the {@link Idempotency} goes on (it retries a completion).
   */
  default void onStoreFailure(@Nullable IdempotencyKey key, RuntimeException failure) {}

  /**
   * A call that reached the store is done: once per such call, after the event for its outcome,
   * with what an audit log keeps. {@link Idempotency#execute} reports its own calls; the servlet
   * filter reports its requests with their HTTP method, path and status. The lower-level {@link
   * Idempotency#begin} reports nothing here: its caller knows when it is done.
   */
  default void onFinished(Finished finished) {}

  /**
   * What {@link #onFinished} reports about one call.
   *
   * <p>This class is immutable and threadsafe.
   */
  final class Finished {
    /** How the call was answered. */
    public enum Outcome {
      /** The key was claimed and the work ran: its first execution. */
      FIRST,
      /** A stored result was replayed. */
      REPLAYED,
      /** The key was in progress. */
      CONFLICT,
      /** The key was live with a different fingerprint. */
      MISMATCH,
      /** The key completed, but its result was not kept. */
      NOT_REPLAYABLE;

      /** Returns the name in lower case, as meters and audit rows spell it ({@code not_replayable}). */
      public String label() {
        return name().toLowerCase(Locale.ROOT);
      }
    }

    /** The method {@link Idempotency#execute} reports: it has no HTTP method. */
    public static final String EXECUTE = "EXECUTE";

    private final IdempotencyKey key;
    private final Outcome outcome;
    private final String method;
    private final String path;
    private final int status;
    private final long durationNanos;

    /**
     * Creates the report.
     *
     * @param method the HTTP method; {@value #EXECUTE} for {@link Idempotency#execute}
     * @param path the path within the application; for {@link Idempotency#execute} the {@link
     *     Idempotency}'s {@linkplain IdempotencyBuilder#name name}
     * @param status the HTTP status sent; for {@link Idempotency#execute} the status the filter
     *     would send: 200 for a result run or replayed, -1 when the work threw, 409 for a conflict
     *     or a result not kept, 422 for a mismatch
     * @param durationNanos from the claim's start to the answer
     * @throws NullPointerException if an object argument is null
     */
    public Finished(IdempotencyKey key, Outcome outcome, String method, String path, int status, long durationNanos) {
      this.key = Objects.requireNonNull(key, "key cannot be null");
      this.outcome = Objects.requireNonNull(outcome, "outcome cannot be null");
      this.method = Objects.requireNonNull(method, "method cannot be null");
      this.path = Objects.requireNonNull(path, "path cannot be null");
      this.status = status;
      this.durationNanos = durationNanos;
    }

    /** Returns the call's key. */
    public IdempotencyKey key() {
      return key;
    }

    /** Returns how the call was answered. */
    public Outcome outcome() {
      return outcome;
    }

    /** Returns the HTTP method, upper case, or {@value #EXECUTE}. */
    public String method() {
      return method;
    }

    /** Returns the path within the application, or the {@link Idempotency}'s name. */
    public String path() {
      return path;
    }

    /** Returns the status; see the constructor. */
    public int status() {
      return status;
    }

    /** Returns the time from the claim's start to the answer, in nanoseconds. */
    public long durationNanos() {
      return durationNanos;
    }

    @Override
    public String toString() {
      return "Finished[" + key.redacted() + " " + outcome.label() + " " + method + " " + path + " " + status
          + " in " + durationNanos / 1000 + " us]";
    }
  }
}
