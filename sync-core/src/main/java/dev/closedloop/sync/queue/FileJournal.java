package dev.closedloop.sync.queue;

import dev.closedloop.sync.time.Ticker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file queue's journal and its single writer thread.
 *
 * <p>Why one class of this size: the file format, recovery, the group commit and the compaction
 * share one invariant (what is acknowledged is on disk, in order, exactly once after a crash);
 * split, each part would need the others' locks and state to keep it. The parts that do not
 * (the record codec, the queue's state, the engine) live in their own classes.
 *
 * <h2>Files</h2>
 *
 * A queue directory holds {@code queue.lock} (held with {@link FileChannel#tryLock()} while a
 * queue owns the directory), append-only segments {@code NNNNNNNNNNNNNNNNNNNN.seg} (20-digit
 * number, replayed in number order), and at most one snapshot {@code NNNNNNNNNNNNNNNNNNNN.snap},
 * written by compaction, that replaces every segment numbered up to {@code N}. Each open starts a
 * new segment; nothing is ever rewritten in place.
 *
 * <h2>Record layout, format version 1</h2>
 *
 * Every record, in segments and snapshots alike, is framed the same way. Integers are big-endian;
 * strings are UTF-8.
 *
 * <pre>
 * offset size  field
 *  0      4    magic        0xC105ED51
 *  4      1    version      1; a reader refuses a higher one ({@link UnsupportedQueueFormatException})
 *  5      1    type         1 PUT, 2 ACK, 3 NACK, 4 DEAD, 5 REQUEUE, 6 CLEAR, 7 SNAPSHOT
 *  6      2    reserved     0
 *  8      4    length       n, the body's length in bytes (at most 64 MiB + 64 KiB)
 * 12      8    sequence     increasing in write order (snapshot records count from 1)
 * 20      4    crc          CRC32C of bytes 4..19 followed by the body
 * 24      n    body
 *
 * PUT      id:8 flags:1 (bit 0: dead letter) priority:4 attempts:4 enqueuedAt:8 notBefore:8
 *          expiresAt:8 (Long.MAX_VALUE: none) replaces:8 (an id removed first; 0: none)
 *          scopeLength:2 (0xFFFF: null) scope  keyLength:2 key
 *          lastErrorLength:4 (-1: null) lastError  payloadLength:4 payload
 * ACK      id:8                                   (acknowledged, or dead letter discarded)
 * NACK     id:8 attempts:4 notBefore:8 lastErrorLength:4 lastError
 * DEAD     id:8 attempts:4 reasonLength:4 reason
 * REQUEUE  id:8 notBefore:8                       (dead letter back, attempts reset to 0)
 * CLEAR    (empty body)                            (every item removed)
 * SNAPSHOT baseSegment:8 nextId:8 nextSeq:8 count:4   (first record of a .snap file)
 *
 * Times are wall-clock milliseconds since the epoch.
 * </pre>
 *
 * Records hold absolute values (attempt counts, times), never increments, so replaying a record
 * over a state that already includes it changes nothing. No record is ever updated in place, and
 * no write is assumed atomic: a torn record fails its CRC.
 *
 * <h2>Writing</h2>
 *
 * Operations hand encoded records to {@link #append} under the queue's lock and then wait in
 * {@link #await}, outside it. Group commit by leader and followers: a waiting operation that finds
 * records pending and no write under way takes all of them, writes them with one gathering write
 * at the end of the active segment and, for {@link Durability.Mode#ALWAYS}, forces once for the
 * whole batch before completing every record's future; the operations that arrived meanwhile
 * wait, and the first of them to find the next batch pending leads it. A lone producer thus
 * writes its own record with no thread hand-off, and many producers share each fsync. After a
 * batch, the next one waits (briefly, and only while that pays) until the producers it released
 * are back, so that each fsync carries all of them instead of alternating half batches (see
 * {@link #await}). A writer
 * thread does what no operation waits for: the {@link Durability.Mode#GROUP} delayed force,
 * compaction, and the final writes on close. Segments are preallocated in zero-filled chunks so
 * that a force need not update the file size. A segment that would grow past the configured size
 * is sealed (truncated to its data and forced) and a new one created; the directory is forced
 * after every create, rename and delete.
 *
 * <h2>Failures</h2>
 *
 * If a write or force fails, the batch and everything queued behind it are rolled back in memory
 * (newest first) and their futures fail with the {@link IOException}; the segment is truncated
 * back to where the batch started, so no half-written or rolled-back record stays on disk. If even
 * that truncation fails (or a {@link Durability.Mode#GROUP}/{@link Durability.Mode#OS} force
 * fails, which leaves earlier records' durability unknown) the journal refuses further writes
 * until the queue is reopened. A full disk is the common case: preallocation keeps whatever room
 * it got, so only a batch that does not fit fails, with a message that says the disk is full, and
 * the queue takes records again as soon as there is room.
 *
 * <h2>Compaction</h2>
 *
 * Once the files hold at least one segment's worth of bytes and less than half of that is live,
 * the writer thread seals the active segment, writes every live item and dead letter as PUT records to
 * {@code N.snap.tmp}, forces it, renames it to {@code N.snap}, forces the directory and then
 * deletes the segments and snapshot it replaces. A crash at any point leaves either the old files
 * or the new snapshot (plus leftovers that the next open removes).
 *
 * <p>This class is threadsafe.
 */
final class FileJournal implements Journal {
  private static final Logger log = LoggerFactory.getLogger(FileOfflineQueue.class);
  static final String SEGMENT_SUFFIX = ".seg";
  static final String SNAPSHOT_SUFFIX = ".snap";
  static final String TEMP_SUFFIX = ".tmp";
  static final long PREALLOCATE_BYTES = 4L << 20;
  /** The longest a batch waits for released producers to come back (see {@link #await}). */
  static final long MAX_GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  /** A pause in the load counts as a slow return, but only this slow, so it is soon forgotten. */
  private static final long MAX_RETURN_SAMPLE_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 10).asReadOnlyBuffer();

  private record Pending(long seq, ByteBuffer buf, @Nullable Undo undo, CompletableFuture<Void> done) {}

  /** The future of one record, knowing its sequence number. */
  private static final class Ticket extends CompletableFuture<Void> {
    final long seq;

    Ticket(long seq) {
      this.seq = seq;
    }
  }

  private final Path dir;
  private final ReentrantLock lock;
  private final Condition work;
  private final QueueState state;
  private final ChannelFactory channels;
  private final Durability durability;
  private final Ticker ticker;
  private final long segmentBytes;
  private final long preallocateBytes;
  private final Thread writer;

  // guarded by lock
  private final Condition progress;
  private boolean writing;
  private boolean compactionWanted;
  private ArrayList<Pending> pending = new ArrayList<>();
  private long nextSeq;
  private long committedSeq;
  private @Nullable IOException broken;
  private boolean closing;
  private @Nullable CompletableFuture<Void> compactionRequest;
  private CompletableFuture<Void> lastTicket = DONE;
  private long takenSeq; // the last sequence number a batch being written (or written) has taken
  private int released; // operations the last committed batch let go
  private long releasedAtNanos;
  private int returned; // records taken since then
  private long forceNanos; // a moving average of how long a force takes
  private long returnNanos; // a moving average of how long released operations take to come back

  // owned by whichever thread has set `writing` (a leading producer or the writer thread)
  private FileChannel active;
  private long activeNumber;
  private long writePos;
  private long allocatedEnd;
  private final List<Path> sealedFiles;
  private long sealedBytes;
  private int unforced;
  private long firstUnforcedNanos;
  private long compactionFloor;

  FileJournal(QueueConfig config, Path dir, ReentrantLock lock, QueueState state, FileChannel active,
      long activeNumber, List<Path> sealedFiles, long sealedBytes, long nextSeq) {
    this.dir = dir;
    this.lock = lock;
    this.work = lock.newCondition();
    this.progress = lock.newCondition();
    this.state = state;
    this.channels = config.channels;
    this.durability = config.durability;
    this.ticker = config.ticker;
    this.segmentBytes = config.segmentBytes;
    this.preallocateBytes = Math.min(PREALLOCATE_BYTES, config.segmentBytes);
    this.active = active;
    this.activeNumber = activeNumber;
    this.sealedFiles = new ArrayList<>(sealedFiles);
    this.sealedBytes = sealedBytes;
    this.nextSeq = nextSeq;
    this.committedSeq = nextSeq - 1;
    this.compactionFloor = config.segmentBytes;
    this.writer = new Thread(this::runWriter, "offline-queue-writer[" + dir.getFileName() + "]");
    writer.setDaemon(true);
  }

  void start() {
    writer.start();
  }

  static Path segmentPath(Path dir, long number) {
    return dir.resolve(String.format("%020d", number) + SEGMENT_SUFFIX);
  }

  static Path snapshotPath(Path dir, long number) {
    return dir.resolve(String.format("%020d", number) + SNAPSHOT_SUFFIX);
  }

  /** Forces a directory so that creates, renames and deletes in it survive a power cut. */
  static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  // ---- intake, under the queue's lock

  @Override
  public void checkWritable() throws IOException {
    if (broken != null) {
      throw new IOException("offline queue " + dir + " refuses writes after a failure it could not"
          + " clean up (" + broken.getMessage() + "); close and reopen it", broken);
    }
    if (closing) {
      throw new IllegalStateException("offline queue is closed");
    }
  }

  @Override
  public long nextSeq() {
    return nextSeq++;
  }

  @Override
  public long committedSeq() {
    return committedSeq;
  }

  @Override
  public Undo newUndo() {
    return new Undo();
  }

  @Override
  public CompletableFuture<Void> append(Rec rec, long seq, @Nullable Undo undo) {
    Ticket done = new Ticket(seq);
    pending.add(new Pending(seq, RecordCodec.encode(rec, seq), undo, done));
    lastTicket = done;
    if (++returned == released) {
      long back = Math.min(ticker.read() - releasedAtNanos, MAX_RETURN_SAMPLE_NANOS);
      returnNanos = returnNanos == 0 ? back : (3 * returnNanos + back) >> 2;
    }
    return done;
  }

  @Override
  public CompletableFuture<Void> barrier() {
    return lastTicket;
  }

  /**
   * Waits until {@code ticket}'s record is committed, writing it (and everything pending with it)
   * on this thread if no one else is writing: the leader of a group commit. While its record is
   * pending, an operation waits on the lock's condition, as it may have to lead the next batch;
   * once a batch has taken its record, it parks on the record's future, which the leader completes
   * directly (no second pass through the lock). With one producer there is no thread hand-off at
   * all.
   *
   * <p>Gathering: with {@code n} producers that each wait for their own record, a leader that took
   * whatever was pending the moment the previous batch ended would alternate between batches of
   * about {@code n/2} (the others are still on their way back). So after a batch, the next one is
   * not started until as many records as that batch released have been queued again, or until an
   * average force's time has passed since the release: the last producer to come back leads the
   * batch itself, with no wake-up in between, and each force carries all {@code n} records. It is
   * worth it only while the operations come back quickly compared with a force, so it is skipped
   * while they take on average more than half a force (a busy CPU): then the disk would idle
   * longer than the larger batch saves. A lone producer never waits (it is back before anyone
   * leads); an operation arriving after a pause does not either (the time is up); a producer that
   * went to do other work costs the others at most one force's time, once. Only for {@link
   * Durability.Mode#ALWAYS}, where each batch pays a force.
   */
  @Override
  public void await(CompletableFuture<Void> ticket) throws IOException {
    if (!ticket.isDone()) {
      long seq = ticket instanceof Ticket ? ((Ticket) ticket).seq : Long.MAX_VALUE;
      boolean interrupted = false;
      lock.lock();
      try {
        while (!ticket.isDone() && seq > takenSeq) {
          if (!writing && !pending.isEmpty()) {
            long wait = gatherNanosLocked();
            if (wait > 0) {
              try {
                progress.awaitNanos(wait);
              } catch (InterruptedException e) {
                interrupted = true;
              }
              continue;
            }
            List<Pending> batch = pending;
            pending = new ArrayList<>();
            takenSeq = batch.get(batch.size() - 1).seq();
            writing = true;
            lock.unlock();
            try {
              writeBatchSafely(batch);
            } finally {
              lock.lock();
              endWriting();
            }
          } else {
            progress.awaitUninterruptibly();
          }
        }
      } finally {
        lock.unlock();
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }
    Journal.awaitCommit(ticket);
  }

  /**
   * Returns how long the next batch should still wait for released operations to come back (see
   * {@link #await}); 0 or less to start it now. The caller holds the lock.
   */
  private long gatherNanosLocked() {
    if (durability.mode() != Durability.Mode.ALWAYS || returned >= released || closing
        || 2 * returnNanos > forceNanos) {
      return 0;
    }
    return releasedAtNanos + Math.min(forceNanos, MAX_GATHER_NANOS) - ticker.read();
  }

  /** Releases the right to write; the caller holds the lock. */
  private void endWriting() {
    writing = false;
    progress.signalAll();
    if (unforced > 0 || compactionDueLocked()) {
      compactionWanted |= compactionDueLocked();
      work.signal();
    }
  }

  private void writeBatchSafely(List<Pending> batch) {
    try {
      writeBatch(batch);
    } catch (RuntimeException | Error t) {
      log.error("Offline queue {}: writing a batch failed unexpectedly; refusing writes until reopened", dir, t);
      IOException e = new IOException("offline queue write failed: " + t, t);
      lock.lock();
      try {
        if (broken == null) {
          broken = e;
        }
      } finally {
        lock.unlock();
      }
      for (Pending p : batch) {
        p.done().completeExceptionally(e);
      }
      throw t;
    }
  }

  /** Asks the writer to compact now and waits for it. */
  void compactNow() throws IOException {
    CompletableFuture<Void> request = new CompletableFuture<>();
    lock.lock();
    try {
      checkWritable();
      compactionRequest = request;
      work.signal();
    } finally {
      lock.unlock();
    }
    Journal.awaitCommit(request);
  }

  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      closing = true;
      work.signal();
    } finally {
      lock.unlock();
    }
    boolean interrupted = false;
    while (writer.isAlive()) {
      try {
        writer.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the writer thread

  private enum Task { CLOSE, COMPACT, FORCE }

  /**
   * The writer thread: forces group-committed records when their delay is up, compacts, and on
   * close writes what is pending. Batches are written by the producers themselves ({@link #await}).
   */
  private void runWriter() {
    try {
      while (true) {
        Task task;
        CompletableFuture<Void> compaction = null;
        lock.lock();
        try {
          while (true) {
            if (!writing) {
              if (closing) {
                task = Task.CLOSE;
                break;
              }
              if (compactionRequest != null || compactionWanted) {
                compaction = compactionRequest;
                compactionRequest = null;
                compactionWanted = false;
                task = Task.COMPACT;
                break;
              }
              if (unforced > 0) {
                long left = firstUnforcedNanos + durability.maxDelay().toNanos() - ticker.read();
                if (left <= 0) {
                  task = Task.FORCE;
                  break;
                }
                work.awaitNanos(Math.min(left, TimeUnit.SECONDS.toNanos(1)));
                continue;
              }
            }
            work.await();
          }
          writing = true;
        } finally {
          lock.unlock();
        }
        if (task == Task.CLOSE) {
          while (true) {
            List<Pending> batch;
            lock.lock();
            try {
              batch = pending;
              pending = new ArrayList<>();
              if (!batch.isEmpty()) {
                takenSeq = batch.get(batch.size() - 1).seq();
              }
            } finally {
              lock.unlock();
            }
            if (batch.isEmpty()) {
              return;
            }
            writeBatchSafely(batch);
          }
        }
        try {
          if (task == Task.COMPACT) {
            compact(compaction);
          } else {
            forceUnforced();
          }
        } finally {
          lock.lock();
          try {
            writing = false;
            progress.signalAll();
          } finally {
            lock.unlock();
          }
        }
      }
    } catch (InterruptedException e) {
      log.warn("Offline queue writer for {} interrupted; closing", dir);
    } catch (Throwable t) {
      log.error("Offline queue writer for {} failed; the queue refuses writes until reopened", dir, t);
      failEverything(new IOException("offline queue writer failed: " + t, t));
    } finally {
      finish();
    }
  }

  private void writeBatch(List<Pending> batch) {
    long bytes = 0;
    ByteBuffer[] bufs = new ByteBuffer[batch.size()];
    for (int i = 0; i < bufs.length; i++) {
      bufs[i] = batch.get(i).buf();
      bytes += bufs[i].remaining();
    }
    long start = writePos;
    try {
      if (writePos > 0 && writePos + bytes > segmentBytes) {
        roll();
      }
      start = writePos;
      ensureAllocated(writePos + bytes);
      active.position(writePos);
      long written = 0;
      while (written < bytes) {
        written += active.write(bufs);
      }
      writePos += bytes;
    } catch (IOException e) {
      fail(batch, e, start, false);
      return;
    }
    try {
      switch (durability.mode()) {
        case ALWAYS:
          long forceStart = ticker.read();
          active.force(false);
          long took = ticker.read() - forceStart;
          forceNanos = forceNanos == 0 ? took : (3 * forceNanos + took) >> 2;
          break;
        case GROUP:
          if (unforced == 0) {
            firstUnforcedNanos = ticker.read();
          }
          unforced += batch.size();
          if (unforced >= durability.maxBatch()) {
            active.force(false);
            unforced = 0;
          }
          break;
        default:
          break;
      }
    } catch (IOException e) {
      fail(batch, e, start, durability.mode() != Durability.Mode.ALWAYS);
      return;
    }
    lock.lock();
    try {
      // Under the lock, so that no released operation can queue its next record before the count
      // of released operations is reset (the futures have no dependents: completing them is cheap).
      for (Pending p : batch) {
        p.done().complete(null);
      }
      committedSeq = batch.get(batch.size() - 1).seq();
      released = batch.size();
      releasedAtNanos = ticker.read();
      returned = 0;
      progress.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void forceUnforced() {
    try {
      active.force(false);
      unforced = 0;
    } catch (IOException e) {
      log.error("Offline queue {}: forcing group-committed records failed; refusing writes until reopened", dir, e);
      lock.lock();
      try {
        if (broken == null) {
          broken = e;
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Rolls back {@code batch} and everything queued behind it, fails their futures and truncates
   * the segment to where the batch started.
   */
  private void fail(List<Pending> batch, IOException cause, long start, boolean durabilityUnknown) {
    List<Pending> failed = new ArrayList<>(batch);
    lock.lock();
    try {
      failed.addAll(pending);
      pending = new ArrayList<>();
      for (int i = failed.size() - 1; i >= 0; i--) {
        Undo undo = failed.get(i).undo();
        if (undo != null) {
          state.rollback(undo);
        }
      }
    } finally {
      lock.unlock();
    }
    IOException e = new IOException("offline queue " + dir + ": writing " + batch.size() + " record(s) failed ("
        + cause.getMessage() + ")" + (isDiskFull(cause) ? ", the disk is full" : "") + "; "
        + failed.size() + " operation(s) rolled back, none of them is stored", cause);
    IOException fatal = durabilityUnknown ? e : null;
    try {
      active.truncate(start);
      active.force(true);
      writePos = start;
      allocatedEnd = Math.min(allocatedEnd, start);
    } catch (IOException cleanup) {
      e.addSuppressed(cleanup);
      fatal = e;
    }
    if (fatal != null) {
      lock.lock();
      try {
        if (broken == null) {
          broken = fatal;
        }
      } finally {
        lock.unlock();
      }
    }
    log.warn("{}{}", e.getMessage(), fatal != null ? "; refusing writes until reopened" : "", cause);
    for (Pending p : failed) {
      p.done().completeExceptionally(e);
    }
    lock.lock();
    try {
      progress.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@code e} says the disk (or the file-size limit) is full. */
  static boolean isDiskFull(IOException e) {
    String m = e.getMessage();
    return m != null && (m.contains("No space left on device") || m.contains("File too large")
        || m.contains("Disk quota exceeded"));
  }

  private void failEverything(IOException e) {
    List<Pending> failed;
    lock.lock();
    try {
      if (broken == null) {
        broken = e;
      }
      failed = pending;
      pending = new ArrayList<>();
      for (int i = failed.size() - 1; i >= 0; i--) {
        Undo undo = failed.get(i).undo();
        if (undo != null) {
          state.rollback(undo);
        }
      }
      if (compactionRequest != null) {
        compactionRequest.completeExceptionally(e);
        compactionRequest = null;
      }
    } finally {
      lock.unlock();
    }
    for (Pending p : failed) {
      p.done().completeExceptionally(e);
    }
    lock.lock();
    try {
      progress.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Seals the active segment and starts the next one. */
  private void roll() throws IOException {
    active.truncate(writePos);
    active.force(true);
    allocatedEnd = writePos;
    unforced = 0;
    long next = activeNumber + 1;
    Path path = segmentPath(dir, next);
    FileChannel created = channels.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    try {
      fsyncDirectory(dir);
    } catch (IOException e) {
      closeQuietly(created);
      Files.deleteIfExists(path);
      throw e;
    }
    closeQuietly(active);
    sealedFiles.add(segmentPath(dir, activeNumber));
    sealedBytes += writePos;
    active = created;
    activeNumber = next;
    writePos = 0;
    allocatedEnd = 0;
  }

  /** Extends the active segment with zeros, in chunks, so that forces need not change its size. */
  private void ensureAllocated(long end) throws IOException {
    if (end <= allocatedEnd) {
      return;
    }
    long target = Math.max(end, Math.min(Math.max(segmentBytes, end), allocatedEnd + preallocateBytes));
    long pos = allocatedEnd;
    try {
      while (pos < target) {
        ByteBuffer z = ZEROS.duplicate();
        z.limit((int) Math.min(z.capacity(), target - pos));
        pos += active.write(z, pos);
      }
    } catch (IOException e) {
      // A nearly full disk: keep what could be allocated; only a batch that does not fit fails.
      allocatedEnd = Math.max(allocatedEnd, pos);
      if (pos >= end) {
        return;
      }
      throw e;
    }
    allocatedEnd = target;
  }

  /** Whether compaction is due; the caller holds the lock and the right to write. */
  private boolean compactionDueLocked() {
    long logBytes = sealedBytes + writePos;
    return logBytes >= compactionFloor && state.retainedBytes() * 2 < logBytes;
  }

  private void compact(@Nullable CompletableFuture<Void> request) {
    Map<Long, Entry> entries;
    long nextId;
    long seqAfter;
    lock.lock();
    try {
      List<Undo> uncommitted = new ArrayList<>(pending.size());
      for (Pending p : pending) {
        if (p.undo() != null) {
          uncommitted.add(p.undo());
        }
      }
      entries = state.entriesBefore(uncommitted);
      nextId = state.nextId;
      seqAfter = nextSeq;
    } finally {
      lock.unlock();
    }
    long base = activeNumber;
    Path tmp = dir.resolve(String.format("%020d", base) + SNAPSHOT_SUFFIX + TEMP_SUFFIX);
    long before = sealedBytes + writePos;
    try {
      roll();
      List<Entry> sorted = new ArrayList<>(entries.values());
      sorted.sort(Comparator.comparingLong(Entry::id));
      long size = 0;
      try (FileChannel ch = channels.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE)) {
        List<ByteBuffer> chunk = new ArrayList<>();
        long seq = 1;
        chunk.add(RecordCodec.encode(new Rec.Snapshot(base, nextId, seqAfter, sorted.size()), seq++));
        for (Entry e : sorted) {
          chunk.add(RecordCodec.encode(new Rec.Put(e.item(), e.dead(), 0), seq++));
          if (chunk.size() == 256) {
            size += writeFully(ch, chunk);
          }
        }
        size += writeFully(ch, chunk);
        ch.force(true);
      }
      Path snapshot = snapshotPath(dir, base);
      Files.move(tmp, snapshot, StandardCopyOption.ATOMIC_MOVE);
      fsyncDirectory(dir);
      for (Path old : sealedFiles) {
        Files.deleteIfExists(old);
      }
      fsyncDirectory(dir);
      sealedFiles.clear();
      sealedFiles.add(snapshot);
      sealedBytes = size;
      compactionFloor = segmentBytes;
      log.debug("Offline queue {}: compacted {} bytes into a snapshot of {} items ({} bytes)", dir,
          before, sorted.size(), size);
      if (request != null) {
        request.complete(null);
      }
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        e.addSuppressed(ignored);
      }
      compactionFloor = sealedBytes + writePos + segmentBytes;
      log.warn("Offline queue {}: compaction failed; the log is intact and compaction will be retried later", dir, e);
      if (request != null) {
        request.completeExceptionally(e);
      }
    }
  }

  private static long writeFully(FileChannel ch, List<ByteBuffer> chunk) throws IOException {
    ByteBuffer[] bufs = chunk.toArray(new ByteBuffer[0]);
    long total = 0;
    for (ByteBuffer b : bufs) {
      total += b.remaining();
    }
    long written = 0;
    while (written < total) {
      written += ch.write(bufs);
    }
    chunk.clear();
    return total;
  }

  private void finish() {
    try {
      if (durability.mode() != Durability.Mode.ALWAYS) {
        active.force(false);
      }
      active.truncate(writePos);
      active.force(true);
    } catch (IOException e) {
      log.warn("Offline queue {}: closing the active segment failed", dir, e);
    } finally {
      closeQuietly(active);
    }
    failEverything(new IOException("offline queue " + dir + " is closed"));
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      log.debug("Closing a queue segment failed", e);
    }
  }

  /** For tests: the active segment's number. */
  long activeNumberForTest() {
    return activeNumber;
  }
}
