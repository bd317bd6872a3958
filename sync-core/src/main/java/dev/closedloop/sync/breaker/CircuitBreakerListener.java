package dev.closedloop.sync.breaker;

/**
 * Hears what a circuit breaker does. Every method has a no-op default, so new events can be added
 * without breaking implementations. Successes and failures are not reported, to keep the
 * permitted path free of calls out; use {@link CircuitBreaker#metrics()} for counts.
 *
 * <p>Contract: listeners are called on the thread that caused the event, after the breaker's
 * state has changed, in the order they were added. They must be fast, must not throw and must
 * not call back into the breaker. A listener that throws anyway is logged and skipped; the call
 * and the other listeners go on. Transitions raced by several threads are each published once,
 * by the thread that made them, so two listeners' calls for consecutive transitions may overlap.
 *
 * <p>Implementations must be threadsafe.
 */
public interface CircuitBreakerListener {

  /** A listener that does nothing. */
  CircuitBreakerListener NONE = new CircuitBreakerListener() {};

  /**
   * The breaker moved from {@code from} to {@code to}.
   *
   * @param breakerName the breaker's name
   */
  default void onStateTransition(
      String breakerName, CircuitBreaker.State from, CircuitBreaker.State to) {}

  /**
   * The breaker refused a call in {@code state} (OPEN, HALF_OPEN or FORCED_OPEN).
   *
   * @param breakerName the breaker's name
   */
  default void onCallRejected(String breakerName, CircuitBreaker.State state) {}

  /**
   * A half-open trial lease was not reported within the probe timeout and was taken back for a
   * new trial.
   *
   * @param breakerName the breaker's name
   */
  default void onTrialReclaimed(String breakerName) {}
}
