package dev.closedloop.sync.time;

/**
 * A monotonic time source in nanoseconds, for measuring durations and computing deadlines. Its
 * values have no relation to wall time and are only meaningful relative to each other; compare
 * them with {@code a - b < 0}, never {@code a < b}, so that wrap-around stays harmless.
 *
 * <p>Implementations must be threadsafe.
 */
@FunctionalInterface
public interface Ticker {

  /** Returns the current reading in nanoseconds. */
  long read();

  /** Returns the system ticker, backed by {@link System#nanoTime()}. */
  static Ticker system() {
    return SystemTime.INSTANCE;
  }
}
