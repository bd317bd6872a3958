package dev.closedloop.sync.queue;

import dev.closedloop.sync.retry.Jitter;
import dev.closedloop.sync.retry.RetryPolicy;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;

/**
 * Measures the drain loop itself, on an in-memory queue (no disk): items per second that {@link
 * OfflineQueue#drain(DrainHandler)} handles when every handler call succeeds (poll + ack) and when
 * every call fails (poll + nack: with no backoff, four retries then a dead letter per item, so five
 * handler calls per item). It counts the draining thread's CPU time, not the wall clock, and the
 * bytes it allocates, so that other processes on a loaded machine skew it less. Uses the public
 * API only, so the same class
 * runs against an older build of the queue for a before/after ratio. Not a unit test; run it by
 * hand:
 *
 * <pre>
 * mvn -B -q -o -pl sync-core test-compile exec:java \
 *     -Dexec.mainClass=dev.closedloop.sync.queue.DrainThroughputMain -Dexec.classpathScope=test
 * </pre>
 *
 * Optional arguments: items per round (default 100000) and rounds (default 9); it prints the
 * median and the best round of each.
 */
public final class DrainThroughputMain {
  /** HotSpot's view of the thread: CPU time and bytes allocated, both blind to other processes. */
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private DrainThroughputMain() {}

  public static void main(String[] args) throws Exception {
    int items = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 9;
    double[][] ok = new double[2][rounds];
    double[][] failing = new double[2][rounds];
    for (int r = 0; r < rounds; r++) {
      round(items, false, ok, r);
      round(items, true, failing, r);
    }
    print("drain, every call succeeds", ok);
    print("drain, every call fails   ", failing);
  }

  static void print(String what, double[][] result) {
    double[] perSecond = result[0].clone();
    double[] bytes = result[1].clone();
    Arrays.sort(perSecond);
    Arrays.sort(bytes);
    System.out.printf("%s: median %,.0f handler calls per CPU second (best %,.0f), %,.0f B allocated per call%n",
        what, perSecond[perSecond.length / 2], perSecond[perSecond.length - 1], bytes[bytes.length / 2]);
  }

  /** Offers {@code items} items, then measures one drain of them all into {@code out[0..1][r]}. */
  static void round(int items, boolean fail, double[][] out, int r) throws IOException {
    try (OfflineQueue q = OfflineQueue.builder().maxItems(items + 1)
        .retryPolicy(RetryPolicy.builder().maxAttempts(5).fixedDelay(Duration.ZERO).jitter(Jitter.none()).build())
        .buildInMemory()) {
      byte[] payload = new byte[64];
      for (int i = 0; i < items; i++) {
        q.offer(Offer.of("key-" + i, payload).scope(i % 2 == 0 ? null : "s" + (i % 64)));
      }
      IOException down = new IOException("down");
      long allocated = THREADS.getCurrentThreadAllocatedBytes();
      long start = THREADS.getCurrentThreadCpuTime();
      DrainSummary s = q.drain(item -> {
        if (fail) {
          throw down;
        }
      });
      long nanos = THREADS.getCurrentThreadCpuTime() - start;
      allocated = THREADS.getCurrentThreadAllocatedBytes() - allocated;
      DrainSummary expected = fail ? new DrainSummary(0, 4 * items, items) : new DrainSummary(items, 0, 0);
      if (!s.equals(expected)) {
        throw new AssertionError("drained " + s + ", expected " + expected);
      }
      long calls = s.succeeded() + s.retried() + s.deadLettered();
      out[0][r] = calls * 1e9 / nanos;
      out[1][r] = (double) allocated / calls;
    }
  }
}
