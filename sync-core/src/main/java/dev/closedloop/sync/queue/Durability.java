package dev.closedloop.sync.queue;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * When a {@linkplain OfflineQueueBuilder#open file queue} forces its writes to the disk, and so
 * what an operation that returned has survived.
 *
 * <ul>
 *   <li>{@link #ALWAYS} (the default): every operation returns only once its record is on the
 *       disk (fsync). Concurrent operations share one fsync (group commit: the first waiting operation
 *       writes and forces everything pending), so throughput grows with the number of producers. Survives a power cut.
 *   <li>{@link #group(int, Duration) GROUP(maxBatch, maxDelay)}: operations return once written
 *       to the operating system; the writer forces after {@code maxBatch} records or {@code
 *       maxDelay}, whichever comes first. A process crash loses nothing; a power cut may lose the
 *       last {@code maxDelay}.
 *   <li>{@link #OS}: operations return once written to the operating system, which flushes when
 *       it likes (and the queue forces on segment roll and close). A process crash loses nothing;
 *       a power cut may lose the last seconds.
 * </ul>
 *
 * <p>This class is immutable and threadsafe.
 */
public final class Durability {
  /** The kinds of durability. This enum is immutable and threadsafe. */
  public enum Mode {
    /** fsync before every operation returns (shared by concurrent operations). */
    ALWAYS,
    /** fsync after a number of records or a delay. */
    GROUP,
    /** No fsync except on segment roll and close. */
    OS
  }

  /** Every operation returns once durable. */
  public static final Durability ALWAYS = new Durability(Mode.ALWAYS, 1, Duration.ZERO);

  /** Operations return once the operating system has the write. */
  public static final Durability OS = new Durability(Mode.OS, Integer.MAX_VALUE, Duration.ZERO);

  private final Mode mode;
  private final int maxBatch;
  private final Duration maxDelay;

  private Durability(Mode mode, int maxBatch, Duration maxDelay) {
    this.mode = mode;
    this.maxBatch = maxBatch;
    this.maxDelay = maxDelay;
  }

  /**
   * Returns group durability: force after {@code maxBatch} unforced records or when the oldest
   * unforced record is {@code maxDelay} old (measured on the queue's ticker).
   *
   * @throws NullPointerException if {@code maxDelay} is null
   * @throws IllegalArgumentException if {@code maxBatch < 1} or {@code maxDelay} is not positive
   */
  public static Durability group(int maxBatch, Duration maxDelay) {
    Objects.requireNonNull(maxDelay, "maxDelay cannot be null");
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1: " + maxBatch);
    }
    if (maxDelay.isNegative() || maxDelay.isZero()) {
      throw new IllegalArgumentException("maxDelay must be positive: " + maxDelay);
    }
    return new Durability(Mode.GROUP, maxBatch, maxDelay);
  }

  /** Returns the mode. */
  public Mode mode() {
    return mode;
  }

  /** Returns the records after which a {@link Mode#GROUP} writer forces. */
  public int maxBatch() {
    return maxBatch;
  }

  /** Returns the delay after which a {@link Mode#GROUP} writer forces. */
  public Duration maxDelay() {
    return maxDelay;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Durability
        && ((Durability) o).mode == mode
        && ((Durability) o).maxBatch == maxBatch
        && ((Durability) o).maxDelay.equals(maxDelay);
  }

  @Override
  public int hashCode() {
    return Objects.hash(mode, maxBatch, maxDelay);
  }

  @Override
  public String toString() {
    return mode == Mode.GROUP ? "GROUP(" + maxBatch + ", " + maxDelay + ")" : mode.name();
  }
}
