package dev.closedloop.sync.queue;

import dev.closedloop.sync.time.Ticker;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds a queue's state from its directory: the newest snapshot, then the segments after it,
 * each scanned record by record. A record counts if its frame is intact (magic, length, CRC32C);
 * anything else is skipped and reported, and scanning resynchronises on the next intact record.
 * Bytes after the last intact record of the newest segment are a torn tail and are truncated.
 */
final class Recovery {
  private static final Logger log = LoggerFactory.getLogger(FileOfflineQueue.class);
  private static final long MAX_FILE_BYTES = OfflineQueueBuilder.MAX_SEGMENT_BYTES + RecordCodec.MAX_BODY + RecordCodec.HEADER;

  /** What the journal needs to continue where the files end. */
  record Result(List<Path> files, long fileBytes, long maxNumber, long nextSeq, RecoveryReport report) {}

  private final Path dir;
  private final QueueState state;
  private final List<RecoveryReport.Problem> problems = new ArrayList<>();
  private long recordsRead;
  private long maxSeq;

  private Recovery(Path dir, QueueState state) {
    this.dir = dir;
    this.state = state;
  }

  static Result run(Path dir, QueueState state, Ticker ticker) throws IOException {
    long started = ticker.read();
    return new Recovery(dir, state).recover(ticker, started);
  }

  private Result recover(Ticker ticker, long started) throws IOException {
    TreeMap<Long, Path> segments = new TreeMap<>();
    TreeMap<Long, Path> snapshots = new TreeMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (name.equals(FileOfflineQueue.LOCK_FILE)) {
          continue;
        }
        if (name.endsWith(FileJournal.TEMP_SUFFIX) && Files.isRegularFile(f)) {
          long size = Files.size(f);
          Files.delete(f);
          problem(RecoveryReport.Kind.LEFTOVER_FILE, f, 0, size,
              "temporary file of an interrupted compaction; deleted (the files it was replacing are intact)");
          continue;
        }
        long number = number(name, FileJournal.SEGMENT_SUFFIX);
        if (number > 0 && Files.isRegularFile(f)) {
          segments.put(number, f);
          continue;
        }
        number = number(name, FileJournal.SNAPSHOT_SUFFIX);
        if (number > 0 && Files.isRegularFile(f)) {
          snapshots.put(number, f);
          continue;
        }
        problem(RecoveryReport.Kind.UNKNOWN_FILE, f, 0, Files.isRegularFile(f) ? Files.size(f) : 0,
            "not a queue file; ignored and left alone");
      }
    }
    boolean deleted = false;
    long base = snapshots.isEmpty() ? 0 : snapshots.lastKey();
    for (Map.Entry<Long, Path> s : new ArrayList<>(snapshots.headMap(base).entrySet())) {
      deleted |= deleteSuperseded(s.getValue(), base);
      snapshots.remove(s.getKey());
    }
    for (Map.Entry<Long, Path> s : new ArrayList<>(segments.headMap(base, true).entrySet())) {
      deleted |= deleteSuperseded(s.getValue(), base);
      segments.remove(s.getKey());
    }
    if (deleted) {
      FileJournal.fsyncDirectory(dir);
    }
    List<Path> order = new ArrayList<>();
    if (base > 0) {
      order.add(snapshots.get(base));
    }
    order.addAll(segments.values());
    long bytes = 0;
    for (int i = 0; i < order.size(); i++) {
      Path f = order.get(i);
      boolean newestSegment = i == order.size() - 1 && !f.equals(snapshots.get(base));
      bytes += scan(f, newestSegment);
    }
    long maxNumber = Math.max(base, segments.isEmpty() ? 0 : segments.lastKey());
    int dead = state.deadCount();
    RecoveryReport report = new RecoveryReport(dir, order.size(), recordsRead, state.size() - dead, dead,
        problems, Duration.ofNanos(Math.max(0, ticker.read() - started)));
    return new Result(order, bytes, maxNumber, maxSeq + 1, report);
  }

  private boolean deleteSuperseded(Path f, long base) throws IOException {
    long size = Files.size(f);
    Files.delete(f);
    problem(RecoveryReport.Kind.LEFTOVER_FILE, f, 0, size,
        "superseded by snapshot " + base + " (a compaction was interrupted before removing it); deleted");
    return true;
  }

  /** Returns the number in {@code 00000000000000000042.seg}, or -1 if the name is not of that form. */
  static long number(String name, String suffix) {
    if (!name.endsWith(suffix) || name.length() != 20 + suffix.length()) {
      return -1;
    }
    for (int i = 0; i < 20; i++) {
      if (!Character.isDigit(name.charAt(i))) {
        return -1;
      }
    }
    try {
      return Long.parseLong(name.substring(0, 20));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Scans one file, applying its intact records; returns the bytes it keeps. */
  private long scan(Path file, boolean newestSegment) throws IOException {
    long size = Files.size(file);
    if (size > MAX_FILE_BYTES) {
      throw new IOException("queue file " + file + " is " + size + " bytes, more than any queue file can be ("
          + MAX_FILE_BYTES + "); move it out of the queue directory");
    }
    byte[] b = Files.readAllBytes(file);
    int n = b.length;
    int pos = 0;
    while (pos < n) {
      int len = intactLength(file, b, pos, n);
      if (len > 0) {
        apply(file, b, pos, len);
        pos += len;
        continue;
      }
      int next = findNext(file, b, pos + 1, n);
      if (next < 0) {
        if (!allZero(b, pos, n)) {
          String what = pos == 0 ? "no intact record in the whole file" : "bytes after the last intact record";
          if (newestSegment) {
            problem(RecoveryReport.Kind.TORN_TAIL, file, pos, n - pos,
                what + " (a write torn by a crash, or garbage); truncated");
          } else {
            problem(RecoveryReport.Kind.CORRUPT_REGION, file, pos, n - pos,
                what + " of an older segment; skipped and left in place until compaction");
          }
        }
        if (newestSegment) {
          try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(pos);
            ch.force(true);
          }
          return pos;
        }
        return n;
      }
      problem(RecoveryReport.Kind.CORRUPT_REGION, file, pos, next - pos, allZero(b, pos, next)
          ? "zero-filled region between intact records; skipped"
          : "bytes that are not an intact record (bad checksum, bad frame or garbage); skipped");
      pos = next;
    }
    return n;
  }

  /** Returns the length of the intact record at {@code pos} in this version, or -1. */
  private static int intactLength(Path file, byte[] b, int pos, int n) throws UnsupportedQueueFormatException {
    int len = RecordCodec.validLength(b, pos, n);
    if (len < 0) {
      return -1;
    }
    int version = RecordCodec.version(b, pos);
    if (version > RecordCodec.VERSION) {
      throw new UnsupportedQueueFormatException(file, pos, version, RecordCodec.VERSION);
    }
    return version == RecordCodec.VERSION ? len : -1;
  }

  private static int findNext(Path file, byte[] b, int from, int n) throws UnsupportedQueueFormatException {
    byte m0 = (byte) (RecordCodec.MAGIC >>> 24);
    for (int q = from; q + RecordCodec.HEADER <= n; q++) {
      if (b[q] == m0 && intactLength(file, b, q, n) > 0) {
        return q;
      }
    }
    return -1;
  }

  private void apply(Path file, byte[] b, int pos, int len) {
    Rec rec;
    try {
      rec = RecordCodec.decode(b, pos, len);
    } catch (RuntimeException e) {
      problem(RecoveryReport.Kind.CORRUPT_REGION, file, pos, len,
          "record with an intact frame but an unreadable body (" + e.getMessage() + "); skipped");
      return;
    }
    long seq = RecordCodec.sequence(b, pos);
    recordsRead++;
    maxSeq = Math.max(maxSeq, seq);
    if (rec instanceof Rec.Snapshot) {
      Rec.Snapshot s = (Rec.Snapshot) rec;
      state.nextId = Math.max(state.nextId, s.nextId());
      maxSeq = Math.max(maxSeq, s.nextSeq() - 1);
      return;
    }
    state.apply(rec, seq, null);
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private void problem(RecoveryReport.Kind kind, Path file, long offset, long length, String detail) {
    RecoveryReport.Problem p = new RecoveryReport.Problem(kind, file, offset, length, detail);
    problems.add(p);
    log.warn("Offline queue recovery: {}", p);
  }
}
