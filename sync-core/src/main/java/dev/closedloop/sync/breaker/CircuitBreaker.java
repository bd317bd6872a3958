package dev.closedloop.sync.breaker;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A circuit breaker: it lets calls through while they mostly succeed, refuses them for a while
 * when too many fail or are slow, then lets a few trial calls through to find out whether the
 * downstream has recovered.
 *
 * <h2>States</h2>
 *
 * <ul>
 *   <li>{@link State#CLOSED}: every call is permitted and its result recorded in a sliding
 *       window (the last N calls, or the calls of the last N seconds). When the window holds at
 *       least {@code minimumNumberOfCalls} and the failure rate or the slow-call rate reaches its
 *       threshold, the breaker opens.
 *   <li>{@link State#OPEN}: every call is refused with {@link CircuitOpenException}, which says
 *       how long until a trial. The wait is fixed or grows with each consecutive re-open. When it
 *       has passed, the next call (nothing happens in the background) moves the breaker to
 *       HALF_OPEN.
 *   <li>{@link State#HALF_OPEN}: exactly N trial calls are admitted, each holding a lease. The
 *       breaker closes when all N have succeeded (and none was slow); it opens again on the first
 *       trial that fails or is slow. A lease not reported within the probe timeout is reclaimed
 *       by the next caller, so a lost trial never wedges the breaker.
 *   <li>{@link State#FORCED_OPEN} and {@link State#DISABLED}: set by an operator ({@link
 *       #forceOpen()}, {@link #disable()}); every call is refused, resp. permitted and not
 *       recorded, until {@link #reset()}.
 * </ul>
 *
 * <h2>Permits and generations</h2>
 *
 * Every change of state starts a new <em>generation</em>. {@link #acquirePermission()} returns a
 * permit: a {@code long} holding the generation (and for a trial, its lease), so that asking
 * costs no allocation. The caller reports the permit's outcome with exactly one of {@link
 * #onSuccess}, {@link #onFailure} or {@link #release}. A result whose permit belongs to an older
 * generation (the state changed while the call ran) counts nowhere.
 *
 * <pre>{@code
 * long permit = breaker.acquirePermission();   // throws CircuitOpenException
 * long start = breaker.detectsSlowCalls() ? ticker.read() : 0;
 * try {
 *   Response r = send(request);
 *   breaker.onSuccess(permit, breaker.detectsSlowCalls() ? ticker.read() - start : 0);
 *   return r;
 * } catch (IOException e) {
 *   breaker.onFailure(permit, breaker.detectsSlowCalls() ? ticker.read() - start : 0, e);
 *   throw e;
 * }
 * }</pre>
 *
 * or simply {@link #call(Callable)} / {@link #callAsync(Supplier)}.
 *
 * <h2>Cost</h2>
 *
 * A permitted call in CLOSED that succeeds reads the state twice and performs one atomic add on
 * a counter in a cache-line-padded row owned by the calling thread's stripe: no allocation, no
 * write to memory shared with other threads, and, with a count-based window and slow-call
 * detection off, no clock read. (A time-based window reads the ticker once per success, to know
 * its second.) Failures, slow calls and rejections take slower paths that may write shared
 * state; the breaker judges the window there, which is the only moment the rates can rise.
 *
 * <p>Concurrency: state, generation and the state's data (its window, trial leases, when to
 * admit a trial) form one immutable value that a single CAS replaces; transitions are computed
 * before the CAS and their events published only by the winner, after it. There are no locks.
 *
 * <p>This class is threadsafe.
 */
public interface CircuitBreaker {

  /** Returned by {@link #tryAcquirePermission()} when the call is refused. */
  long NO_PERMIT = -1L;

  /** The states of a circuit breaker. */
  enum State {
    /** Calls are permitted and recorded. */
    CLOSED,
    /** Calls are refused until the wait in OPEN has passed. */
    OPEN,
    /** A fixed number of trial calls are permitted; the rest are refused. */
    HALF_OPEN,
    /** Calls are refused until an operator resets the breaker. */
    FORCED_OPEN,
    /** Calls are permitted and not recorded until an operator resets the breaker. */
    DISABLED
  }

  /**
   * Returns a builder with the defaults: count-based window of 100 calls, minimum 100 calls,
   * failure-rate threshold 50 %, slow-call detection off, 60 s in OPEN, 10 half-open trials,
   * probe timeout 60 s, every {@link Throwable} recorded as a failure, nothing ignored, the
   * system ticker.
   *
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  static CircuitBreakerBuilder builder(String name) {
    return new CircuitBreakerBuilder(name);
  }

  /**
   * Returns a breaker with the defaults listed at {@link #builder(String)}.
   *
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  static CircuitBreaker ofDefaults(String name) {
    return builder(name).build();
  }

  /** Returns the breaker's name, as given to the builder. */
  String name();

  /** Returns the current state (OPEN is reported until a call moves it to HALF_OPEN). */
  State state();

  /**
   * Returns true if slow-call detection is on: only then do reported durations matter, and only
   * then need a caller measure them (otherwise pass 0).
   */
  boolean detectsSlowCalls();

  /**
   * Asks to make a call.
   *
   * @return a permit (non-negative) to report with exactly one of {@link #onSuccess}, {@link
   *     #onFailure} or {@link #release}
   * @throws CircuitOpenException if the breaker is open, forced open, or all its half-open
   *     trials are taken
   */
  long acquirePermission();

  /**
   * Asks to make a call, without creating an exception when refused.
   *
   * @return a permit, as {@link #acquirePermission()}, or {@link #NO_PERMIT} if refused
   */
  long tryAcquirePermission();

  /**
   * Reports that the call of {@code permit} succeeded.
   *
   * @param permit the permit of the call
   * @param durationNanos how long the call took; ignored unless {@link #detectsSlowCalls()}
   */
  void onSuccess(long permit, long durationNanos);

  /**
   * Reports that the call of {@code permit} failed. Failures that the {@code ignore} predicate
   * matches count as neither success nor failure (a trial's lease is released); failures that
   * the {@code recordFailure} predicate does not match count as successes.
   *
   * @param permit the permit of the call
   * @param durationNanos how long the call took; ignored unless {@link #detectsSlowCalls()}
   * @param failure what the call threw
   * @throws NullPointerException if {@code failure} is null
   */
  void onFailure(long permit, long durationNanos, Throwable failure);

  /**
   * Reports that the call of {@code permit} was abandoned (cancelled, never sent): it is not
   * judged, and a trial's lease is freed for another caller.
   */
  void release(long permit);

  /**
   * Runs {@code callable} if permitted and records its outcome.
   *
   * @return what {@code callable} returned
   * @throws CircuitOpenException if the call is refused ({@code callable} does not run)
   * @throws Exception whatever {@code callable} threw
   * @throws NullPointerException if {@code callable} is null
   */
  <T> T call(Callable<T> callable) throws Exception;

  /**
   * Starts the stage {@code supplier} returns if permitted and records its outcome when it
   * completes. Cancelling the returned future releases the permit (and tries to cancel the
   * stage).
   *
   * @return a future completed like the stage, or failed with {@link CircuitOpenException} if
   *     the call is refused (then {@code supplier} is not called), or with what {@code supplier}
   *     threw
   * @throws NullPointerException if {@code supplier} is null
   */
  <T> CompletableFuture<T> callAsync(Supplier<? extends CompletionStage<T>> supplier);

  /** Opens the breaker until {@link #reset()}: every call is refused. */
  void forceOpen();

  /** Disables the breaker until {@link #reset()}: every call is permitted and none recorded. */
  void disable();

  /** Closes the breaker with an empty window, whatever its state. */
  void reset();

  /** Returns a snapshot of the breaker's state and counts. */
  CircuitBreakerMetrics metrics();
}
