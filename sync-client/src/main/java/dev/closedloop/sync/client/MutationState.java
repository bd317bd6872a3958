package dev.closedloop.sync.client;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where one {@link MutationCall} stands: the state a UI binds a button to (the seed's {@code
 * SyncButton} without a UI toolkit).
 *
 * <h2>The graph</h2>
 *
 * <pre>
 *            +------------------------------------------+
 *            |                                          v
 *   IDLE --> PENDING(attempt n of max, next retry at) --> SUCCESS --(reset delay)--> IDLE
 *    | |       |  ^  |                                     ^
 *    | |       +--+  +--> ERROR                            |
 *    | |       |                                           |
 *    | +-------+-----> QUEUED(item id) --------------------+
 *    |                   |     |
 *    +--> ERROR          |     +--> DEAD(reason)
 *                        +--> ERROR (removed from the queue, or a replayed 2xx did not decode)
 * </pre>
 *
 * <p>Exactly these moves exist ({@link Kind#canMoveTo}); a call never makes another one. IDLE is
 * where a call starts (and where a success returns after the reset delay); PENDING repeats for
 * each attempt and each scheduled retry; ERROR and DEAD are final. IDLE → ERROR happens only when
 * a call that should go straight to the offline queue (known offline) cannot be written there.
 *
 * <p>Instances are immutable and threadsafe (the data of a SUCCESS is whatever was decoded).
 *
 * @param <T> the type of the mutation's result
 */
public sealed interface MutationState<T>
    permits MutationState.Idle, MutationState.Pending, MutationState.Success, MutationState.Error,
        MutationState.Queued, MutationState.Dead {

  /** The kinds of state, and the legal moves between them. */
  enum Kind {
    /** Not started, or a success that was reset. */
    IDLE,
    /** An attempt runs, or the next one is scheduled. */
    PENDING,
    /** The server applied the mutation; the data is its decoded response. */
    SUCCESS,
    /** The mutation failed and will not be tried again. */
    ERROR,
    /** The request waits in the offline queue. */
    QUEUED,
    /** Offline replay gave up; the request is a dead letter. */
    DEAD;

    /** Returns true if a call may move from this kind of state to {@code next}. */
    public boolean canMoveTo(Kind next) {
      Objects.requireNonNull(next, "next cannot be null");
      switch (this) {
        case IDLE:
          return next == PENDING || next == QUEUED || next == ERROR;
        case PENDING:
          return next == PENDING || next == SUCCESS || next == ERROR || next == QUEUED;
        case QUEUED:
          return next == SUCCESS || next == ERROR || next == DEAD;
        case SUCCESS:
          return next == IDLE;
        default:
          return false;
      }
    }

    /** Returns true for ERROR and DEAD, the states a call never leaves. */
    public boolean isFinal() {
      return this == ERROR || this == DEAD;
    }
  }

  /** Returns the kind of this state. */
  Kind kind();

  /** Returns the idle state. */
  @SuppressWarnings("unchecked")
  static <T> MutationState<T> idle() {
    return (MutationState<T>) Idle.INSTANCE;
  }

  /** Not started, or reset after a success. */
  @SuppressWarnings("rawtypes")
  record Idle<T>() implements MutationState<T> {
    static final Idle INSTANCE = new Idle();

    @Override
    public Kind kind() {
      return Kind.IDLE;
    }
  }

  /**
   * An attempt is running ({@code nextRetryAt} null) or attempt {@code attempt} is scheduled for
   * {@code nextRetryAt} (wall time from the mutation's clock, for display).
   *
   * @param attempt the running or next attempt, 1-based
   * @param maxAttempts the retry policy's maximum
   * @param nextRetryAt when the next attempt starts, or null while one runs
   */
  record Pending<T>(int attempt, int maxAttempts, @Nullable Instant nextRetryAt) implements MutationState<T> {
    @Override
    public Kind kind() {
      return Kind.PENDING;
    }

    /** Returns true while waiting for a retry, false while an attempt runs. */
    public boolean isWaiting() {
      return nextRetryAt != null;
    }
  }

  /** @param data the decoded response, null for an empty body or an untyped mutation */
  record Success<T>(@Nullable T data) implements MutationState<T> {
    @Override
    public Kind kind() {
      return Kind.SUCCESS;
    }
  }

  /** @param error why the mutation failed (see {@link SyncMutation} for which exceptions) */
  record Error<T>(Throwable error) implements MutationState<T> {
    public Error {
      Objects.requireNonNull(error, "error cannot be null");
    }

    @Override
    public Kind kind() {
      return Kind.ERROR;
    }
  }

  /** @param itemId the request's id in the offline queue */
  record Queued<T>(long itemId) implements MutationState<T> {
    @Override
    public Kind kind() {
      return Kind.QUEUED;
    }
  }

  /** @param reason why offline replay gave up, as recorded in the queue */
  record Dead<T>(String reason) implements MutationState<T> {
    public Dead {
      Objects.requireNonNull(reason, "reason cannot be null");
    }

    @Override
    public Kind kind() {
      return Kind.DEAD;
    }
  }
}
