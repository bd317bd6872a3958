package dev.closedloop.sync.breaker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The last {@code size} calls, in order.
 *
 * <p>Concurrency: the window is a ring of result codes (one byte per call) with a shared head
 * and running sums of filled, failed and slow slots. A fast success does not touch it: it only
 * bumps the cumulative counter in its own stripe row. Every {@link #record} (a failure or a slow
 * call) first <em>drains</em> the stripes: for each row it claims, by a CAS on this window's
 * per-stripe watermark, the successes counted there since the last drain, and appends them to
 * the ring before its own result. So when the breaker judges, every success recorded before the
 * failure is in the window, ahead of it, and the ring holds the last {@code size} results in an
 * order consistent with real time (successes between two failures are interchangeable in a
 * count window, so batching them loses nothing). Appenders reserve disjoint positions with one
 * {@code getAndAdd} on the head; each slot is swapped with a CAS, and the sums move by exactly
 * the difference between the old and new code, so they equal the ring's contents whenever no
 * append is in flight. Under concurrency a reader may see sums from a moment between two
 * appends; the rates it computes are those of a window a few calls older or newer.
 *
 * <p>The watermarks start at the rows' values when the window is made, so successes of an
 * earlier episode never leak in.
 *
 * <p>Not part of the API. This class is threadsafe.
 */
final class CountWindow extends Window {
  private static final VarHandle BYTES = MethodHandles.arrayElementVarHandle(byte[].class);

  private final int size;
  private final long[] rows;
  private final AtomicLongArray marks;
  private final byte[] ring;
  private final AtomicLong head = new AtomicLong();
  private final AtomicLong filled = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong slow = new AtomicLong();

  CountWindow(int size, long[] rows) {
    this.size = size;
    this.rows = rows;
    this.ring = new byte[size];
    this.marks = new AtomicLongArray(Stripes.COUNT);
    for (int s = 0; s < Stripes.COUNT; s++) {
      marks.set(s, (long) Stripes.LONGS.getVolatile(rows, Stripes.rowOf(s) + Stripes.FAST_SUCCESSES));
    }
  }

  @Override
  void onFastSuccess(int row) {
    // Counted in the stripe row already; drained into the ring when the window is judged.
  }

  @Override
  boolean timed() {
    return false;
  }

  @Override
  WindowCounts record(int code, long nowNanos) {
    append(drain(), code);
    return snapshot();
  }

  @Override
  WindowCounts counts(long nowNanos) {
    append(drain(), 0);
    return snapshot();
  }

  private WindowCounts snapshot() {
    long calls = filled.get();
    return new WindowCounts(calls, clamp(failed.get(), calls), clamp(slow.get(), calls));
  }

  private static long clamp(long value, long calls) {
    return Math.max(0, Math.min(value, calls));
  }

  /** Claims the successes counted in every stripe row since the last drain. */
  private long drain() {
    long pending = 0;
    for (int s = 0; s < Stripes.COUNT; s++) {
      int index = Stripes.rowOf(s) + Stripes.FAST_SUCCESSES;
      long mark = marks.get(s);
      while (true) {
        long value = (long) Stripes.LONGS.getVolatile(rows, index);
        if (value <= mark) {
          break;
        }
        long witness = marks.compareAndExchange(s, mark, value);
        if (witness == mark) {
          pending += value - mark;
          break;
        }
        mark = witness; // another drainer claimed part of it; claim what is left
      }
    }
    return pending;
  }

  /** Appends {@code successes} successes, then {@code code} unless it is 0. */
  private void append(long successes, int code) {
    long total = successes + (code == 0 ? 0 : 1);
    if (total == 0) {
      return;
    }
    long start = head.getAndAdd(total);
    long end = start + total;
    long successEnd = start + successes;
    // Only the last `size` positions can survive; earlier ones would be overwritten by this append.
    long from = Math.max(start, end - size);
    long dFilled = 0;
    long dFailed = 0;
    long dSlow = 0;
    for (long pos = from; pos < end; pos++) {
      byte next = (byte) (pos < successEnd ? SUCCESS : code);
      int slot = (int) (pos % size);
      byte old;
      do {
        old = (byte) BYTES.getVolatile(ring, slot);
        if (old == next) {
          break;
        }
      } while (!BYTES.compareAndSet(ring, slot, old, next));
      if (old == next) {
        continue;
      }
      if (old == 0) {
        dFilled++;
      }
      dFailed += bit(next, FAILED) - bit(old, FAILED);
      dSlow += bit(next, SLOW) - bit(old, SLOW);
    }
    if (dFilled != 0) {
      filled.addAndGet(dFilled);
    }
    if (dFailed != 0) {
      failed.addAndGet(dFailed);
    }
    if (dSlow != 0) {
      slow.addAndGet(dSlow);
    }
  }

  private static int bit(int code, int bit) {
    return (code & bit) != 0 ? 1 : 0;
  }

  @Override
  public String toString() {
    return "CountWindow[size=" + size + ", " + snapshot() + "]";
  }
}
