package dev.closedloop.sync.servlet;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyListener;
import dev.closedloop.sync.idempotency.StoredResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Hears what {@link IdempotencyFilter} does with each keyed request, for metrics and logs, in HTTP
 * terms (statuses, body sizes, method and path). Every method has a no-op default, so events can
 * be added without breaking implementations.
 *
 * <p>It is an {@link IdempotencyListener}: the filter runs on the plain-Java {@link
 * dev.closedloop.sync.idempotency.Idempotency}, whose events reach these methods through the
 * bridges below ({@link #onReplayed(IdempotencyKey, StoredResponse)}, {@link
 * #onStored(IdempotencyKey, StoredResponse)}, {@link #onFinished(IdempotencyListener.Finished)}).
 * So a filter listener also hears an {@code Idempotency} it is given to (a message consumer's,
 * say), with status 200 for its results.
 *
 * <p>Contract: called on the request's thread (or the thread that completes an asynchronous
 * request), they must be fast, must not throw and must not call back into the filter. A
 * listener that throws anyway is logged and skipped; the request and the other listeners go on.
 *
 * <p>Implementations must be threadsafe: requests call them concurrently.
 */
public interface IdempotencyFilterListener extends IdempotencyListener {
  /** A listener that does nothing. */
  IdempotencyFilterListener NONE = new IdempotencyFilterListener() {};

  /**
   * The store answered a claim for this request's key, and how long that took: the store's
   * round trip, measured on the filter's ticker. Called once per keyed request that reached the
   * store, before the event for its outcome ({@link #onFirst}, {@link #onReplayed}, ...); a claim
   * that threw is reported by {@link #onStoreFailure} instead. With an in-progress wait configured,
   * only the first claim is timed and {@code result} is its answer, before the wait.
   *
   * @param result what the store answered
   * @param durationNanos how long {@code IdempotencyStore.claim} took, in nanoseconds
   */
  @Override
  default void onClaim(IdempotencyKey key, ClaimResult result, long durationNanos) {}

  /** The key was claimed: the request runs for the first time under it. */
  @Override
  default void onFirst(IdempotencyKey key) {}

  /** A completed response was replayed. */
  default void onReplayed(IdempotencyKey key, int status, int bodyBytes) {}

  /** Bridges the protocol's event to {@link #onReplayed(IdempotencyKey, int, int)}. */
  @Override
  default void onReplayed(IdempotencyKey key, StoredResponse response) {
    onReplayed(key, response.status(), response.bodyLength());
  }

  /** The key was in progress elsewhere: answered 409 with {@code Retry-After}. */
  @Override
  default void onConflict(IdempotencyKey key, Duration retryAfter) {}

  /** The key was live with a different request: answered 422. */
  @Override
  default void onMismatch(IdempotencyKey key) {}

  /** The request completed before, but its response was too large to keep: answered 409. */
  @Override
  default void onNotReplayable(IdempotencyKey key) {}

  /**
   * The response was stored as the key's result.
   *
   * @param bytes the stored size ({@code StoredResponse.size()}); 0 when not replayable
   * @param replayable false when it was too large and only its status was kept
   */
  default void onStored(IdempotencyKey key, int status, long bytes, boolean replayable) {}

  /** Bridges the protocol's event to {@link #onStored(IdempotencyKey, int, long, boolean)}. */
  @Override
  default void onStored(IdempotencyKey key, StoredResponse response) {
    boolean replayable = response.isReplayable();
    onStored(key, response.status(), replayable ? response.size() : 0, replayable);
  }

  /**
   * The claim was released, so a retry runs the request again.
   *
   * @param status the status the application answered, or -1 if it threw
   * @param failure what it threw, or null
   */
  @Override
  default void onReleased(IdempotencyKey key, int status, @Nullable Throwable failure) {}

  /**
   * The filter could not complete or release because the claim was no longer this request's:
   * its lease expired and another request took the key over. The response still went out.
   */
  @Override
  default void onOwnershipLost(IdempotencyKey key) {}

  /**
   * A request was refused before anything was claimed.
   *
   * @param status 400 (key missing or malformed) or 413 (body too large)
   * @param problemType the problem's {@code type} URI, one of {@link IdempotencyFilter}'s constants
   */
  default void onRejected(int status, String problemType) {}

  /**
   * The store failed. Before the claim the request was answered 503 and nothing ran; after it
   * (completing or releasing) the response still went out and the claim will end with its lease.
   */
  @Override
  default void onStoreFailure(@Nullable IdempotencyKey key, RuntimeException failure) {}

  /**
   * The filter is done with a keyed request that reached the store: called once per such request,
   * after the event for its outcome, with what an audit log keeps (method, path, status, how long
   * it took). A first execution is reported when it ends, whether its response was stored,
   * released or could not be settled; a request whose claim threw ({@link #onStoreFailure}) is not
   * reported here.
   */
  default void onFinished(Finished finished) {}

  /**
   * Bridges a report of the plain-Java {@link dev.closedloop.sync.idempotency.Idempotency} to
   * {@link #onFinished(Finished)}. (The filter calls {@link #onFinished(Finished)} directly.)
   */
  @Override
  default void onFinished(IdempotencyListener.Finished finished) {
    onFinished(new Finished(finished.key(), Finished.Outcome.valueOf(finished.outcome().name()), finished.method(),
        finished.path(), finished.status(), finished.durationNanos()));
  }

  /**
   * What {@link #onFinished} reports about one keyed request.
   *
   * <p>This class is immutable and threadsafe.
   */
  final class Finished {
    /** How the filter answered. */
    public enum Outcome {
      /** The key was claimed and the application ran: its first execution. */
      FIRST,
      /** A stored response was replayed. */
      REPLAYED,
      /** The key was in progress: 409 with {@code Retry-After}. */
      CONFLICT,
      /** The key was live with a different request: 422. */
      MISMATCH,
      /** The key completed, but its response was too large to keep: 409. */
      NOT_REPLAYABLE;

      /** Returns the name in lower case, as meters and audit rows spell it ({@code not_replayable}). */
      public String label() {
        return name().toLowerCase(Locale.ROOT);
      }
    }

    private final IdempotencyKey key;
    private final Outcome outcome;
    private final String method;
    private final String path;
    private final int status;
    private final long durationNanos;

    /**
     * Creates the report.
     *
     * @param status the status sent; for a first execution the application's, -1 if it threw
     * @param durationNanos from the claim's start to the answer, on the filter's ticker
     */
    public Finished(IdempotencyKey key, Outcome outcome, String method, String path, int status,
        long durationNanos) {
      this.key = Objects.requireNonNull(key, "key cannot be null");
      this.outcome = Objects.requireNonNull(outcome, "outcome cannot be null");
      this.method = Objects.requireNonNull(method, "method cannot be null");
      this.path = Objects.requireNonNull(path, "path cannot be null");
      this.status = status;
      this.durationNanos = durationNanos;
    }

    /** Returns the request's key. */
    public IdempotencyKey key() {
      return key;
    }

    /** Returns how the filter answered. */
    public Outcome outcome() {
      return outcome;
    }

    /** Returns the request's method, upper case. */
    public String method() {
      return method;
    }

    /** Returns the request's path within the application, without the query. */
    public String path() {
      return path;
    }

    /** Returns the status sent; for a first execution the application's, or -1 if it threw. */
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
