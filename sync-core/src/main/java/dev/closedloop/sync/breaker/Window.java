package dev.closedloop.sync.breaker;

/**
 * The sliding window of one CLOSED episode. A new window is made on every transition to CLOSED,
 * so a window never needs clearing while calls race into it.
 *
 * <p>Fast successes (successful and not slow) are first counted in the breaker's striped rows
 * ({@link Stripes#FAST_SUCCESSES}): one atomic add on the calling thread's own row, nothing
 * shared. Failures and slow calls go through {@link #record}, which is allowed to write shared
 * state, since it is the path on which the breaker must judge.
 *
 * <p>Not part of the API. Implementations are threadsafe.
 */
abstract class Window {
  static final int SUCCESS = 1;
  static final int FAILED = 2;
  static final int SLOW = 4;

  /**
   * Called after a fast success was counted in the row starting at {@code row}: a window that
   * must know when the success happened keeps its own striped tally here. Must not write shared
   * state.
   */
  abstract void onFastSuccess(int row);

  /**
   * Records a failure and/or slow call ({@code code} is {@link #SUCCESS} plus {@link #FAILED}
   * and/or {@link #SLOW}) at {@code nowNanos}, and returns the window's counts with it included.
   */
  abstract WindowCounts record(int code, long nowNanos);

  /** Returns the window's counts at {@code nowNanos}. */
  abstract WindowCounts counts(long nowNanos);

  /** Returns true if this window needs {@link #onFastSuccess} (and so reads the ticker). */
  abstract boolean timed();
}
