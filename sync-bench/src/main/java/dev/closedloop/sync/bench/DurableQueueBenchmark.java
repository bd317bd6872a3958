package dev.closedloop.sync.bench;

import com.squareup.tape2.QueueFile;
import dev.closedloop.sync.queue.Durability;
import dev.closedloop.sync.queue.OfflineQueue;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable appends of a 256-byte record, each one on the disk (fsync) before the call returns;
 * throughput in records per second, all in one run so that they share the disk's state:
 *
 * <ul>
 *   <li>{@link #rawAppendForce}: the physical limit of one writer: a {@link FileChannel} write at
 *       the end of a growing file, then {@code force(false)}; nothing else;
 *   <li>{@link #oursOneProducer} and {@link #oursEightProducers}: {@code OfflineQueue.builder()
 *       .durability(Durability.ALWAYS).open(dir)}, {@code offer(key, payload)} with a new key each
 *       time, from 1 and from 8 threads; {@code ALWAYS} returns after the fsync and concurrent
 *       offers share one (group commit); default segment size (64 MiB); no bound on items or
 *       bytes (nothing is consumed, so the default 100,000-item bound would be reached in seconds;
 *       Tape's file is unbounded too);
 *   <li>{@link #tapeOneThread} and {@link #tapeEightThreads}: Tape 2.0.0-beta1 {@code new
 *       QueueFile.Builder(file).build()} and {@code add(payload)}, which writes through a file
 *       opened in {@code rwd} mode, so every add is synchronous; from 1 thread, and from 8 threads
 *       through one {@link ReentrantLock} (a {@code QueueFile} is not threadsafe).
 * </ul>
 *
 * <p>Each writer gets a fresh directory under {@code java.io.tmpdir} (override with {@code
 * -Dsync.bench.dir=...}; it must be a real disk, not tmpfs, or fsync costs nothing), deleted at
 * the end of the trial. Nothing is consumed, so the files grow throughout, as in the raw
 * baseline.
 *
 * <p>This class is not threadsafe; JMH gives each thread what it needs.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(1)
public class DurableQueueBenchmark {
  static final byte[] RECORD = record();

  private static byte[] record() {
    byte[] r = new byte[256];
    for (int i = 0; i < r.length; i++) {
      r[i] = (byte) ('a' + i % 26);
    }
    return r;
  }

  static Path newDirectory(String prefix) throws IOException {
    String base = System.getProperty("sync.bench.dir", System.getProperty("java.io.tmpdir"));
    Path parent = Path.of(base);
    Files.createDirectories(parent);
    return Files.createTempDirectory(parent, prefix);
  }

  static void delete(Path directory) throws IOException {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** A file appended to and forced by one thread. */
  @State(Scope.Benchmark)
  public static class RawFile {
    Path directory;
    FileChannel channel;
    final ByteBuffer buffer = ByteBuffer.allocateDirect(RECORD.length);

    /** Creates the file. */
    @Setup
    public void open() throws IOException {
      directory = newDirectory("raw-");
      channel = FileChannel.open(directory.resolve("raw.log"), StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      buffer.put(RECORD).flip();
    }

    /** Closes and deletes the file. */
    @TearDown
    public void close() throws IOException {
      channel.close();
      delete(directory);
    }
  }

  /** Our file queue with {@code ALWAYS} durability, shared by the producers. */
  @State(Scope.Benchmark)
  public static class OurQueue {
    final AtomicInteger producers = new AtomicInteger();
    Path directory;
    OfflineQueue queue;

    /** Opens the queue in a new directory. */
    @Setup
    public void open() throws IOException {
      directory = newDirectory("queue-");
      queue = OfflineQueue.builder().durability(Durability.ALWAYS)
          .maxItems(Integer.MAX_VALUE).maxBytes(Long.MAX_VALUE).open(directory); // nothing is consumed
    }

    /** Closes and deletes the queue. */
    @TearDown
    public void close() throws IOException {
      queue.close();
      delete(directory);
    }
  }

  /** One producer's key sequence. */
  @State(Scope.Thread)
  public static class Producer {
    String prefix;
    long next;

    /** Gives each producer its own key prefix. */
    @Setup
    public void setUp(OurQueue q) {
      prefix = "p" + q.producers.getAndIncrement() + "-";
    }
  }

  /** A Tape queue file and the lock its writers share. */
  @State(Scope.Benchmark)
  public static class TapeQueue {
    final ReentrantLock lock = new ReentrantLock();
    Path directory;
    QueueFile file;

    /** Creates the queue file. */
    @Setup
    public void open() throws IOException {
      directory = newDirectory("tape-");
      file = new QueueFile.Builder(directory.resolve("tape.queue").toFile()).build();
    }

    /** Closes and deletes the queue file. */
    @TearDown
    public void close() throws IOException {
      file.close();
      delete(directory);
    }
  }

  /** Append and force, one writer: the physical limit. */
  @Benchmark
  public int rawAppendForce(RawFile f) throws IOException {
    f.buffer.rewind();
    int n = f.channel.write(f.buffer);
    f.channel.force(false);
    return n;
  }

  /** Our queue, one producer. */
  @Benchmark
  public long oursOneProducer(OurQueue q, Producer p) throws IOException {
    return q.queue.offer(p.prefix + p.next++, RECORD).id();
  }

  /** Our queue, eight producers sharing fsyncs. */
  @Benchmark
  @Threads(8)
  public long oursEightProducers(OurQueue q, Producer p) throws IOException {
    return q.queue.offer(p.prefix + p.next++, RECORD).id();
  }

  /** Tape, one thread. */
  @Benchmark
  public int tapeOneThread(TapeQueue t) throws IOException {
    t.file.add(RECORD);
    return t.file.size();
  }

  /** Tape, eight threads through one lock. */
  @Benchmark
  @Threads(8)
  public int tapeEightThreads(TapeQueue t) throws IOException {
    t.lock.lock();
    try {
      t.file.add(RECORD);
      return t.file.size();
    } finally {
      t.lock.unlock();
    }
  }
}
