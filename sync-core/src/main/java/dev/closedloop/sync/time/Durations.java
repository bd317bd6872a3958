package dev.closedloop.sync.time;

import java.time.Duration;

/** Duration arithmetic that saturates instead of overflowing, and the fakes' interrupt check. Not part of the API. */
final class Durations {
  private Durations() {}

  static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException overflow) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** Throws (and clears the flag) if the calling thread is interrupted: a fake wait's check. */
  static void checkInterrupt() throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException("interrupted while waiting");
    }
  }
}
