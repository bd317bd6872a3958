package dev.closedloop.sync.time;

import java.time.Instant;

/**
 * Wall-clock time in milliseconds since the epoch, used only where a time outlives the process
 * (an expiry written to a store, a not-before time in a queue record). Durations and deadlines
 * in memory use {@link Ticker}: wall time can jump.
 *
 * <p>Implementations must be threadsafe.
 */
@FunctionalInterface
public interface Clock {

  /** Returns the current time in milliseconds since 1970-01-01T00:00:00Z. */
  long millis();

  /** Returns the current time as an {@link Instant} (millisecond precision). */
  default Instant instant() {
    return Instant.ofEpochMilli(millis());
  }

  /** Returns the system clock, backed by {@link System#currentTimeMillis()}. */
  static Clock system() {
    return SystemTime.INSTANCE;
  }
}
