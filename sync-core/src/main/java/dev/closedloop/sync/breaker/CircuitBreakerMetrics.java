package dev.closedloop.sync.breaker;

import java.util.Objects;

/**
 * A snapshot of a circuit breaker. The window counts describe the current CLOSED window; in OPEN
 * they are those of the window that tripped the breaker; in HALF_OPEN the trials that succeeded
 * so far; in FORCED_OPEN and DISABLED they are zero. The totals count every result recorded since
 * the breaker was built, across all states (results of stale permits and of a disabled breaker are
 * recorded nowhere). Each number is exact once no call is in flight; while calls race, each is
 * exact to within the calls in flight.
 *
 * <p>This class is immutable and threadsafe.
 *
 * @param state the state
 * @param failureRate failed calls in percent of buffered calls; -1 while the window holds fewer
 *     than the minimum number of calls (or in HALF_OPEN, FORCED_OPEN and DISABLED)
 * @param slowCallRate slow calls in percent of buffered calls; -1 as for {@code failureRate}, and
 *     always -1 without slow-call detection
 * @param bufferedCalls calls in the window
 * @param failedCalls failed calls in the window
 * @param slowCalls slow calls in the window (slow failures included)
 * @param successfulCalls successful calls in the window ({@code bufferedCalls - failedCalls})
 * @param rejectedCalls calls refused since the breaker was built (Resilience4j's "not permitted")
 * @param totalSuccessfulCalls successful calls recorded since the breaker was built
 * @param totalFailedCalls failed calls recorded since the breaker was built
 * @param totalSlowCalls slow calls recorded since the breaker was built (slow failures included)
 * @param totalIgnoredCalls failures the {@code ignore} predicate matched since the breaker was
 *     built
 */
public record CircuitBreakerMetrics(
    CircuitBreaker.State state,
    float failureRate,
    float slowCallRate,
    long bufferedCalls,
    long failedCalls,
    long slowCalls,
    long successfulCalls,
    long rejectedCalls,
    long totalSuccessfulCalls,
    long totalFailedCalls,
    long totalSlowCalls,
    long totalIgnoredCalls) {

  /**
   * Creates a snapshot.
   *
   * @throws NullPointerException if {@code state} is null
   */
  public CircuitBreakerMetrics {
    Objects.requireNonNull(state, "state cannot be null");
  }
}
