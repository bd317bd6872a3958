package dev.closedloop.sync.retry;

import dev.closedloop.sync.time.Ticker;
import java.time.Duration;

/**
 * What an attempt may know about itself: its number, and the time it has left before the
 * policy's deadline or its own attempt timeout, whichever comes first. An attempt that makes a
 * remote call passes {@link #remaining()} on as that call's timeout, so it never outlives the
 * retry that is waiting for it.
 *
 * <p>Given to a {@link RetryCallable} (blocking) or to the function passed to {@link
 * RetryPolicy#executeAsync(java.util.function.Function)}; one context per attempt.
 *
 * <p>This class is immutable and threadsafe; {@link #remaining()} reads the policy's ticker.
 */
public final class AttemptContext {
  private final int attempt;
  private final int maxAttempts;
  private final Ticker ticker;
  private final long endNanos; // ticker reading at which the attempt runs out of time
  private final boolean limited;

  AttemptContext(int attempt, int maxAttempts, Ticker ticker, long endNanos, boolean limited) {
    this.attempt = attempt;
    this.maxAttempts = maxAttempts;
    this.ticker = ticker;
    this.endNanos = endNanos;
    this.limited = limited;
  }

  /** Returns this attempt's number, 1-based. Calls refused by an open breaker do not count. */
  public int attempt() {
    return attempt;
  }

  /** Returns the policy's maximum number of attempts. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** Returns true if this is the last attempt the policy allows. */
  public boolean isLastAttempt() {
    return attempt >= maxAttempts;
  }

  /** Returns true if the attempt is bounded by a deadline or an attempt timeout. */
  public boolean isTimeLimited() {
    return limited;
  }

  /**
   * Returns the nanoseconds left before the deadline or the attempt timeout, whichever is
   * first; 0 once passed; {@link Long#MAX_VALUE} when the attempt is not time-limited.
   */
  public long remainingNanos() {
    if (!limited) {
      return Long.MAX_VALUE;
    }
    long left = endNanos - ticker.read();
    return left < 0 ? 0 : left;
  }

  /**
   * Returns the time left; see {@link #remainingNanos()}. When the attempt is not time-limited
   * this is {@code Duration.ofNanos(Long.MAX_VALUE)}, about 292 years.
   */
  public Duration remaining() {
    return Duration.ofNanos(remainingNanos());
  }

  @Override
  public String toString() {
    return "AttemptContext[attempt " + attempt + " of " + maxAttempts
        + (limited ? ", " + remaining() + " left]" : ", no time limit]");
  }
}
