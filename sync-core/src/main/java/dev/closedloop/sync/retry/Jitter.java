package dev.closedloop.sync.retry;

/**
 * Spreads a backoff delay with a random draw, so that clients that failed together do not retry
 * together. Each strategy is a pure function of the capped backoff, the policy's bounds, the
 * previous delay and one draw in {@code [0, 1)}: tests assert exact values at draws 0, 0.5 and
 * just under 1.
 *
 * <p>The backoff is capped <em>before</em> jitter is applied, so that jitter survives at the cap:
 * at attempt 60 with a 30 s cap, full jitter still spreads delays over {@code [0, 30 s)}.
 *
 * <p>Formulas (after the AWS Architecture Blog note "Exponential Backoff and Jitter"; {@code b}
 * is the capped backoff, {@code r} the draw, {@code base} the first delay, {@code cap} the maximum
 * delay, {@code prev} the previous delay or {@code base} before the first retry):
 *
 * <ul>
 *   <li>{@link #full()} (the default): {@code r * b}
 *   <li>{@link #equal()}: {@code b/2 + r * b/2}
 *   <li>{@link #decorrelated()}: {@code min(cap, base + r * (3 * prev - base))}; it ignores
 *       {@code b} and grows from the previous delay instead
 *   <li>{@link #factor(double) factor(f)}: {@code b * (1 - f + 2 f r)}, that is {@code b ± f b};
 *       may exceed the cap by up to {@code f b}
 *   <li>{@link #none()}: {@code b}
 * </ul>
 *
 * <p>Implementations must be pure and threadsafe.
 */
@FunctionalInterface
public interface Jitter {

  /**
   * Returns the delay in nanoseconds to wait before the next attempt; never negative.
   *
   * @param cappedBackoffNanos the exponential backoff for this attempt, already capped
   * @param baseNanos the policy's first delay
   * @param capNanos the policy's maximum delay
   * @param previousDelayNanos the delay used before the previous attempt, or {@code baseNanos}
   *     before the first retry
   * @param draw a uniform draw in {@code [0, 1)}
   */
  long apply(long cappedBackoffNanos, long baseNanos, long capNanos, long previousDelayNanos, double draw);

  /** Full jitter, {@code r * b}: the default, the best spread for contended downstreams. */
  static Jitter full() {
    return Jitters.FULL;
  }

  /** Equal jitter, {@code b/2 + r * b/2}: never less than half the backoff. */
  static Jitter equal() {
    return Jitters.EQUAL;
  }

  /** Decorrelated jitter, {@code min(cap, base + r * (3 * prev - base))}. */
  static Jitter decorrelated() {
    return Jitters.DECORRELATED;
  }

  /** No jitter: the capped backoff itself. */
  static Jitter none() {
    return Jitters.NONE;
  }

  /**
   * Proportional jitter, {@code b ± factor * b}.
   *
   * @throws IllegalArgumentException if {@code factor} is not in {@code [0, 1]}
   */
  static Jitter factor(double factor) {
    if (!(factor >= 0.0 && factor <= 1.0)) {
      throw new IllegalArgumentException("jitter factor must be in [0, 1]: " + factor);
    }
    return new Jitters.Factor(factor);
  }
}
