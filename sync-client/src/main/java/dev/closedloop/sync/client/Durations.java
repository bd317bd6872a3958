package dev.closedloop.sync.client;

import java.time.Duration;
import java.util.Objects;

/**
 * The client builders' one check of a duration argument.
 *
 * <p>This class is threadsafe: it is stateless.
 */
final class Durations {
  private Durations() {}

  /**
   * Returns {@code d}, checked.
   *
   * @param name the argument's name, for the message
   * @throws NullPointerException if it is null
   * @throws IllegalArgumentException if it is zero or negative
   */
  static Duration positive(Duration d, String name) {
    Objects.requireNonNull(d, name + " cannot be null");
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
    return d;
  }
}
