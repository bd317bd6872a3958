package dev.closedloop.sync.time;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Uniform random draws in {@code [0, 1)}, the only randomness the library uses (for jitter and
 * generated keys' random bits). Inject {@link #seeded(long)} or {@link #fixed(double...)} in tests
 * so that every delay is an exact, known value.
 *
 * <p>Implementations must be threadsafe.
 */
@FunctionalInterface
public interface RandomSource {

  /** Returns a draw in {@code [0, 1)}. */
  double nextDouble();

  /** Returns 64 random bits. The default derives them from two draws. */
  default long nextLong() {
    long hi = (long) (nextDouble() * (1L << 32));
    long lo = (long) (nextDouble() * (1L << 32));
    return (hi << 32) ^ lo;
  }

  /** Returns the system source, backed by {@link ThreadLocalRandom} (no contention). */
  static RandomSource system() {
    return SystemRandom.INSTANCE;
  }

  /**
   * Returns a reproducible source: the same seed gives the same sequence of draws. Draws from
   * several threads are serialised by a lock, so the sequence is the same, only its split among
   * threads varies.
   */
  static RandomSource seeded(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    ReentrantLock lock = new ReentrantLock();
    return new RandomSource() {
      @Override
      public double nextDouble() {
        lock.lock();
        try {
          return random.nextDouble();
        } finally {
          lock.unlock();
        }
      }

      @Override
      public long nextLong() {
        lock.lock();
        try {
          return random.nextLong();
        } finally {
          lock.unlock();
        }
      }

      @Override
      public String toString() {
        return "RandomSource.seeded(" + seed + ")";
      }
    };
  }

  /**
   * Returns a source that yields {@code draws} in order and then repeats the last one: a test
   * asserts exact delays at draws 0, 0.5 and just under 1.
   *
   * @throws IllegalArgumentException if no draw is given or one is outside {@code [0, 1)}
   */
  static RandomSource fixed(double... draws) {
    if (draws.length == 0) {
      throw new IllegalArgumentException("at least one draw is required");
    }
    for (double d : draws) {
      if (!(d >= 0.0 && d < 1.0)) {
        throw new IllegalArgumentException("draws must be in [0, 1): " + d);
      }
    }
    double[] copy = draws.clone();
    AtomicInteger next = new AtomicInteger();
    return new RandomSource() {
      @Override
      public double nextDouble() {
        int i = next.getAndUpdate(n -> Math.min(n + 1, copy.length - 1));
        return copy[i];
      }

      @Override
      public String toString() {
        return "RandomSource.fixed(" + Arrays.toString(copy) + ")";
      }
    };
  }

  /** The largest double below 1.0: the highest draw a source may return. */
  double MAX_DRAW = Math.nextDown(1.0);
}
