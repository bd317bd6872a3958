package dev.closedloop.sync.breaker;

import dev.closedloop.sync.time.Ticker;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * The calls of the last {@code seconds} seconds, in one bucket per second. Seconds are counted
 * from the window's creation on the breaker's {@link Ticker}; the window covers the current
 * (partial) second and the {@code seconds - 1} before it.
 *
 * <p>Concurrency: a fast success goes to the calling thread's stripe cell, a long holding the
 * cell's second (low 32 bits of it, enough for 136 years) and a count. If the cell still holds
 * the current second, a CAS adds one; if it holds an older second, a CAS starts the current one
 * and the winner moves the old count into the shared bucket of its second. So a thread writes
 * shared state at most once per second, not once per call. Failures and slow calls go straight
 * into their bucket. Buckets are immutable values in an array, replaced by CAS: a bucket whose
 * second has left the window is overwritten by the next second that maps to its slot, and a
 * count for a second older than the slot's is dropped (it has expired). Reading the window sums
 * the buckets and the stripe cells whose seconds lie inside it. A count is never in a cell and a
 * bucket at once (it leaves the cell by the CAS before it reaches the bucket), so a concurrent
 * reader may miss a count in transit but never sees one twice.
 *
 * <p>Not part of the API. This class is threadsafe.
 */
final class TimeWindow extends Window {
  static final long SECOND = 1_000_000_000L;

  private final int seconds;
  private final Ticker ticker;
  private final long origin;
  private final long[] cells = Stripes.newRows();
  private final AtomicReferenceArray<@Nullable Bucket> buckets;

  /** The counts of one second. Immutable. */
  record Bucket(long second, long calls, long failures, long slow) {}

  TimeWindow(int seconds, Ticker ticker, long originNanos) {
    this.seconds = seconds;
    this.ticker = ticker;
    this.origin = originNanos;
    this.buckets = new AtomicReferenceArray<>(seconds);
  }

  long second(long nowNanos) {
    return Math.floorDiv(nowNanos - origin, SECOND);
  }

  @Override
  boolean timed() {
    return true;
  }

  @Override
  void onFastSuccess(int row) {
    long second = second(ticker.read());
    int tag = (int) second;
    while (true) {
      long cell = (long) Stripes.LONGS.getVolatile(cells, row);
      if ((int) (cell >>> 32) == tag) {
        if (Stripes.LONGS.compareAndSet(cells, row, cell, cell + 1)) {
          return;
        }
      } else if (Stripes.LONGS.compareAndSet(cells, row, cell, pack(tag, 1))) {
        long count = cell & 0xFFFF_FFFFL;
        if (count != 0) {
          add(secondOf(cell, second), count, 0, 0, second);
        }
        return;
      }
    }
  }

  @Override
  WindowCounts record(int code, long nowNanos) {
    long second = second(nowNanos);
    add(second, 1, (code & FAILED) != 0 ? 1 : 0, (code & SLOW) != 0 ? 1 : 0, second);
    return counts(nowNanos);
  }

  @Override
  WindowCounts counts(long nowNanos) {
    long now = second(nowNanos);
    long calls = 0;
    long failures = 0;
    long slow = 0;
    for (int i = 0; i < seconds; i++) {
      Bucket b = buckets.get(i);
      if (b != null && inWindow(b.second(), now)) {
        calls += b.calls();
        failures += b.failures();
        slow += b.slow();
      }
    }
    for (int s = 0; s < Stripes.COUNT; s++) {
      long cell = (long) Stripes.LONGS.getVolatile(cells, Stripes.rowOf(s));
      long count = cell & 0xFFFF_FFFFL;
      if (count != 0 && inWindow(secondOf(cell, now), now)) {
        calls += count;
      }
    }
    return new WindowCounts(calls, failures, slow);
  }

  /** True if {@code second} is inside the window ending with second {@code now}. */
  private boolean inWindow(long second, long now) {
    long age = now - second;
    // A slightly negative age is a thread whose ticker reading was a hair later than ours.
    return age < seconds && age > -seconds;
  }

  private void add(long second, long calls, long failures, long slow, long now) {
    if (now - second >= seconds) {
      return; // expired before it got here
    }
    int slot = (int) Math.floorMod(second, (long) seconds);
    while (true) {
      Bucket b = buckets.get(slot);
      Bucket next;
      if (b == null || b.second() < second) {
        next = new Bucket(second, calls, failures, slow);
      } else if (b.second() == second) {
        next = new Bucket(second, b.calls() + calls, b.failures() + failures, b.slow() + slow);
      } else {
        return; // the slot already holds a newer second: ours has left the window
      }
      if (buckets.compareAndSet(slot, b, next)) {
        return;
      }
    }
  }

  private static long pack(int tag, long count) {
    return ((long) tag << 32) | count;
  }

  /** Returns the full second of a cell, given a full second {@code near} within 2^31 of it. */
  private static long secondOf(long cell, long near) {
    int tag = (int) (cell >>> 32);
    return near - (int) ((int) near - tag);
  }

  @Override
  public String toString() {
    return "TimeWindow[seconds=" + seconds + "]";
  }
}
