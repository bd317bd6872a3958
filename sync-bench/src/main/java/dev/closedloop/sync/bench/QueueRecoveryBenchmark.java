package dev.closedloop.sync.bench;

import dev.closedloop.sync.queue.Durability;
import dev.closedloop.sync.queue.OfflineQueue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long our file queue takes to open a directory holding 100,000 pending records of 256 bytes
 * (about 30 MB): the lock, the scan and check of every record, the rebuilt state and a new
 * segment. One open per iteration, each on a fresh copy of the same files (copied before the
 * iteration, so they are in the page cache: this is the CPU cost of recovery, not the disk's
 * read speed). The files are written once per trial by a queue with {@code Durability.OS} and
 * closed cleanly.
 *
 * <p>This class is not threadsafe; JMH gives each thread what it needs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(1)
public class QueueRecoveryBenchmark {
  static final int RECORDS = 100_000;

  private Path pristine;
  private Path copy;
  private OfflineQueue opened;

  /** Writes the 100,000 records. */
  @Setup(Level.Trial)
  public void write() throws IOException {
    pristine = DurableQueueBenchmark.newDirectory("recovery-");
    try (OfflineQueue q = OfflineQueue.builder().durability(Durability.OS).maxItems(Integer.MAX_VALUE).open(pristine)) {
      for (int i = 0; i < RECORDS; i++) {
        q.offer("k-" + i, DurableQueueBenchmark.RECORD);
      }
    }
  }

  /** Copies the files for the next open. */
  @Setup(Level.Iteration)
  public void copy() throws IOException {
    copy = DurableQueueBenchmark.newDirectory("recovery-copy-");
    try (Stream<Path> files = Files.list(pristine)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, copy.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }

  /** Checks that every record came back, then closes and deletes the copy. */
  @TearDown(Level.Iteration)
  public void closeCopy() throws IOException {
    int pending = opened.stats().pending();
    opened.close();
    DurableQueueBenchmark.delete(copy);
    if (pending != RECORDS) {
      throw new IllegalStateException("recovered " + pending + " of " + RECORDS + " records");
    }
  }

  /** Deletes the original files. */
  @TearDown(Level.Trial)
  public void deletePristine() throws IOException {
    DurableQueueBenchmark.delete(pristine);
  }

  /** Opens (recovers) the queue. */
  @Benchmark
  public OfflineQueue open() throws IOException {
    opened = OfflineQueue.builder().durability(Durability.ALWAYS).maxItems(Integer.MAX_VALUE).open(copy);
    return opened;
  }
}
