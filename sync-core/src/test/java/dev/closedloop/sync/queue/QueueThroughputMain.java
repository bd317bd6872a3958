package dev.closedloop.sync.queue;

import dev.closedloop.sync.time.Ticker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Measures, on the disk holding the temporary directory: a raw single-writer append + force loop
 * (the baseline RECIPES.md quotes), {@link FileOfflineQueue} offers per second with {@link
 * Durability#ALWAYS} for 1, 8 and 32 producers (256-byte payloads), and the time to open a queue
 * holding 100,000 records. Not a unit test; run it by hand:
 *
 * <pre>
 * mvn -B -q -o -pl sync-core test-compile exec:java \
 *     -Dexec.mainClass=dev.closedloop.sync.queue.QueueThroughputMain -Dexec.classpathScope=test
 * </pre>
 *
 * Optional arguments: seconds per throughput run (default 4) and the recovery record count
 * (default 100000).
 */
public final class QueueThroughputMain {
  private static final Ticker TICKER = Ticker.system();

  private QueueThroughputMain() {}

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 4;
    int records = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    Path root = Files.createTempDirectory("queue-bench");
    try {
      System.out.printf("raw append+force(false), 1 writer, growing file: %,.0f records/s%n", raw(root, seconds));
      for (int producers : new int[] {1, 8, 32}) {
        System.out.printf("FileOfflineQueue ALWAYS, %2d producer(s): %,.0f offers/s%n", producers,
            offers(root.resolve("p" + producers), producers, seconds));
      }
      recovery(root.resolve("recovery"), records);
    } finally {
      try (Stream<Path> files = Files.walk(root)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  static double raw(Path root, double seconds) throws IOException {
    Path file = root.resolve("raw.log");
    ByteBuffer record = ByteBuffer.allocateDirect(256 + 24);
    long n = 0;
    long start = TICKER.read();
    long end = start + (long) (seconds * 1e9);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      while (TICKER.read() - end < 0) {
        record.clear();
        ch.write(record);
        ch.force(false);
        n++;
      }
    }
    return n / ((TICKER.read() - start) / 1e9);
  }

  static double offers(Path dir, int producers, double seconds) throws Exception {
    byte[] payload = new byte[256];
    AtomicLong count = new AtomicLong();
    try (OfflineQueue q = OfflineQueue.builder().durability(Durability.ALWAYS).maxItems(Integer.MAX_VALUE).maxBytes(Long.MAX_VALUE).open(dir)) {
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      long[] window = new long[2];
      for (int t = 0; t < producers; t++) {
        int tt = t;
        Thread w = new Thread(() -> {
          try {
            start.await();
            long end = window[1];
            for (long i = 0; TICKER.read() - end < 0; i++) {
              q.offer("p" + tt + "-" + i, payload);
              count.incrementAndGet();
            }
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        threads.add(w);
        w.start();
      }
      window[0] = TICKER.read();
      window[1] = window[0] + (long) (seconds * 1e9);
      start.countDown();
      for (Thread w : threads) {
        w.join();
      }
      return count.get() / ((TICKER.read() - window[0]) / 1e9);
    }
  }

  static void recovery(Path dir, int records) throws IOException {
    byte[] payload = new byte[256];
    try (OfflineQueue q = OfflineQueue.builder().durability(Durability.OS).maxItems(Integer.MAX_VALUE).open(dir)) {
      for (int i = 0; i < records; i++) {
        q.offer(Offer.of("k" + i, payload).priority(i % 3).scope(i % 4 == 0 ? "s" + (i % 50) : null));
      }
    }
    long bytes;
    try (Stream<Path> files = Files.list(dir)) {
      bytes = files.mapToLong(p -> p.toFile().length()).sum();
    }
    for (int run = 1; run <= 3; run++) {
      long start = TICKER.read();
      try (FileOfflineQueue q = (FileOfflineQueue) OfflineQueue.builder().maxItems(Integer.MAX_VALUE).open(dir)) {
        long openNanos = TICKER.read() - start;
        System.out.printf("recovery of %,d records (%,d bytes), run %d: open %.0f ms (scan and replay %.0f ms),"
                + " %d waiting%n", q.recoveryReport().recordsRead(), bytes, run, openNanos / 1e6,
            q.recoveryReport().elapsed().toNanos() / 1e6, q.recoveryReport().waiting());
      }
    }
  }
}
