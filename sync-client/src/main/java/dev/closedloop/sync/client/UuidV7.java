package dev.closedloop.sync.client;

import dev.closedloop.sync.time.Clock;
import dev.closedloop.sync.time.RandomSource;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Generates UUIDv7 values (RFC 9562, section 5.7): a 48-bit Unix-millisecond timestamp, the
 * version {@code 7}, the variant {@code 10}, then 74 bits that are partly a counter and partly
 * random. Keys sort by creation time, which keeps the server's index of idempotency keys compact.
 *
 * <p>Monotonic within one generator (RFC 9562 method 1, a fixed-length counter): the 12 bits of
 * {@code rand_a} and the top 30 bits of {@code rand_b} form a 42-bit counter that starts at a
 * random value below 2<sup>41</sup> in each new millisecond and grows by one for each value in the
 * same millisecond; the last 32 bits are random. Should the counter overflow, or the clock step
 * back, the generator keeps using its last millisecond (advancing it by one on overflow), so every
 * value is greater than the one before, as a UUID string and as unsigned 128-bit number.
 *
 * <p>Time and randomness come from the injected {@link Clock} and {@link RandomSource}.
 *
 * <p>This class is threadsafe.
 */
public final class UuidV7 {
  private static final long COUNTER_BITS = 42;
  private static final long COUNTER_MAX = (1L << COUNTER_BITS) - 1;
  private static final long MAX_MILLIS = (1L << 48) - 1;

  private final Clock clock;
  private final RandomSource random;
  private final ReentrantLock lock = new ReentrantLock();
  private long lastMillis = -1;
  private long counter;

  /**
   * Creates a generator.
   *
   * @throws NullPointerException if an argument is null
   */
  public UuidV7(Clock clock, RandomSource random) {
    this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    this.random = Objects.requireNonNull(random, "random cannot be null");
  }

  /** Returns a generator on the system clock and random source. */
  public static UuidV7 system() {
    return new UuidV7(Clock.system(), RandomSource.system());
  }

  /** Returns the next UUID. */
  public UUID next() {
    long millis;
    long count;
    long tail = random.nextLong() & 0xFFFF_FFFFL;
    lock.lock();
    try {
      long now = Math.min(Math.max(clock.millis(), 0), MAX_MILLIS);
      if (now > lastMillis) {
        lastMillis = now;
        counter = random.nextLong() & (COUNTER_MAX >>> 1);
      } else if (counter == COUNTER_MAX) {
        lastMillis = Math.min(lastMillis + 1, MAX_MILLIS);
        counter = random.nextLong() & (COUNTER_MAX >>> 1);
      } else {
        counter++;
      }
      millis = lastMillis;
      count = counter;
    } finally {
      lock.unlock();
    }
    long randA = count >>> 30; // 12 bits
    long randBHigh = count & ((1L << 30) - 1); // 30 bits
    long msb = (millis << 16) | (0x7L << 12) | randA;
    long lsb = (0x2L << 62) | (randBHigh << 32) | tail;
    return new UUID(msb, lsb);
  }

  /** Returns the next UUID as its canonical lower-case string. */
  public String nextString() {
    return next().toString();
  }

  /** Returns the Unix-millisecond timestamp of a UUIDv7. */
  public static long timestampMillis(UUID uuid) {
    if (uuid.version() != 7) {
      throw new IllegalArgumentException("not a version 7 UUID: " + uuid);
    }
    return uuid.getMostSignificantBits() >>> 16;
  }

  @Override
  public String toString() {
    return "UuidV7[" + clock + "]";
  }
}
