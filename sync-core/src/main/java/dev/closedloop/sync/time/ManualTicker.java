package dev.closedloop.sync.time;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A time source for tests that moves only when told to. It is both the monotonic {@link Ticker}
 * and the wall {@link Clock}, kept in step: advancing by a duration moves both, so code that
 * persists a wall time and code that measures a duration see the same world.
 *
 * <pre>{@code
 * ManualTicker time = new ManualTicker();
 * CircuitBreaker breaker = CircuitBreaker.builder("inventory").ticker(time).build();
 * time.advance(Duration.ofSeconds(30));
 * }</pre>
 *
 * <p>Use {@link VirtualScheduler} when scheduled tasks must run as time passes.
 *
 * <p>This class is threadsafe.
 */
public final class ManualTicker implements Ticker, Clock {
  /** The wall time a new ticker starts at unless told otherwise: 2026-01-01T00:00:00Z. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

  private final AtomicLong nanos;
  private final long wallStartMillis;

  /** Creates a ticker reading 0 ns, whose wall clock reads {@link #DEFAULT_START}. */
  public ManualTicker() {
    this(DEFAULT_START);
  }

  /**
   * Creates a ticker reading 0 ns, whose wall clock reads {@code wallStart}.
   *
   * @throws NullPointerException if {@code wallStart} is null
   */
  public ManualTicker(Instant wallStart) {
    this.wallStartMillis = Objects.requireNonNull(wallStart, "wallStart cannot be null").toEpochMilli();
    this.nanos = new AtomicLong();
  }

  @Override
  public long read() {
    return nanos.get();
  }

  @Override
  public long millis() {
    return wallStartMillis + Math.floorDiv(nanos.get(), 1_000_000L);
  }

  /**
   * Moves time forward by {@code delta}.
   *
   * @return the new reading in nanoseconds
   * @throws NullPointerException if {@code delta} is null
   * @throws IllegalArgumentException if {@code delta} is negative: monotonic time never goes back
   */
  public long advance(Duration delta) {
    Objects.requireNonNull(delta, "delta cannot be null");
    return advanceNanos(Durations.saturatedNanos(delta));
  }

  /**
   * Moves time forward by {@code deltaNanos}.
   *
   * @return the new reading in nanoseconds
   * @throws IllegalArgumentException if {@code deltaNanos} is negative
   */
  public long advanceNanos(long deltaNanos) {
    if (deltaNanos < 0) {
      throw new IllegalArgumentException("delta must not be negative: " + deltaNanos + " ns");
    }
    return nanos.addAndGet(deltaNanos);
  }

  /**
   * Sets the reading to {@code readingNanos}.
   *
   * @throws IllegalArgumentException if that would move time backwards
   */
  public void setNanos(long readingNanos) {
    long current;
    do {
      current = nanos.get();
      if (readingNanos - current < 0) {
        throw new IllegalArgumentException(
            "time cannot go backwards: " + readingNanos + " ns < " + current + " ns");
      }
    } while (!nanos.compareAndSet(current, readingNanos));
  }

  @Override
  public String toString() {
    return "ManualTicker[" + nanos.get() + " ns, " + instant() + "]";
  }
}
