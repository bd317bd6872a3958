package dev.closedloop.sync.time;

import java.time.Duration;

/** Duration arithmetic that saturates instead of overflowing. Not part of the API. */
final class Durations {
  private Durations() {}

  static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException overflow) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }
}
