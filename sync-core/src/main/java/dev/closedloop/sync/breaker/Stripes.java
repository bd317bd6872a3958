package dev.closedloop.sync.breaker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Geometry of the striped counters: one row of {@value #ROW} longs (128 bytes, two cache lines
 * on most CPUs, so the adjacent-line prefetcher does not pair rows) per stripe, with a padding
 * row before the first and after the last so that no row shares a line with the array header or
 * a neighbouring object. A thread writes only the row of its stripe; with as many stripes as
 * threads in flight (consecutive thread ids map to consecutive stripes), no two threads write
 * the same line.
 *
 * <p>Not part of the API. This class is threadsafe (it holds only constants).
 */
final class Stripes {
  /** Longs per row: 16 x 8 bytes = 128 bytes. */
  static final int ROW = 16;

  /** Row slots of the breaker's cumulative counters. */
  static final int FAST_SUCCESSES = 0;
  static final int REJECTED = 1;
  static final int FAST_FAILURES = 2;
  static final int SLOW_SUCCESSES = 3;
  static final int SLOW_FAILURES = 4;
  static final int IGNORED = 5;

  static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

  /** The number of stripes: a power of two, 4 per available processor, between 8 and 64. */
  static final int COUNT = count(Runtime.getRuntime().availableProcessors());

  static final int MASK = COUNT - 1;

  private Stripes() {}

  static int count(int processors) {
    int wanted = Math.max(8, Math.min(64, 4 * processors));
    return Integer.highestOneBit(wanted - 1) << 1;
  }

  /** Returns a fresh array holding {@link #COUNT} padded rows. */
  static long[] newRows() {
    return new long[(COUNT + 2) * ROW];
  }

  /** Returns the index of the first long of the calling thread's row. */
  static int row() {
    // Thread ids are handed out consecutively, so threads created together (a pool, a benchmark's
    // workers) land on distinct rows. No ThreadLocal lookup: the id is a field read.
    return ((int) Thread.currentThread().getId() & MASK) * ROW + ROW;
  }

  /** Returns the index of the first long of row {@code stripe}. */
  static int rowOf(int stripe) {
    return stripe * ROW + ROW;
  }

  /** Adds {@code delta} to {@code slot} of the calling thread's row. */
  static void add(long[] rows, int slot, long delta) {
    addAt(rows, row() + slot, delta);
  }

  /** Adds {@code delta} to {@code rows[index]} atomically. */
  static void addAt(long[] rows, int index, long delta) {
    // The cast makes the call site's type (long[], int, long)long, an exact match of the
    // VarHandle's: without it javac types the result Object, and every call pays for an
    // adaptation that boxes the old value (measured: 45 ns instead of a few).
    long unused = (long) LONGS.getAndAdd(rows, index, delta);
  }

  /** Returns the sum of {@code slot} over all rows. */
  static long sum(long[] rows, int slot) {
    long sum = 0;
    for (int s = 0; s < COUNT; s++) {
      sum += (long) LONGS.getVolatile(rows, rowOf(s) + slot);
    }
    return sum;
  }
}
