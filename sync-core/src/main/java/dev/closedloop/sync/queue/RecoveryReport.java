package dev.closedloop.sync.queue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What opening a {@linkplain OfflineQueueBuilder#open file queue} found on disk: how much it read
 * and every problem it worked around. Opening never fails on damaged content: a bad region is
 * skipped (and reported here and as a WARN log), a torn tail is truncated, and every record whose
 * checksum is valid is kept. It fails only on I/O errors and on records from a newer format
 * ({@link UnsupportedQueueFormatException}).
 *
 * <p>This class is immutable and threadsafe.
 *
 * @param directory the queue directory
 * @param filesRead segment and snapshot files read
 * @param recordsRead valid records read
 * @param waiting items waiting after recovery (items that were in flight when the last owner
 *     stopped are waiting again)
 * @param deadLetters dead letters after recovery
 * @param problems what was skipped, truncated or removed, in the order found
 * @param elapsed how long recovery took (on the queue's ticker)
 */
public record RecoveryReport(
    Path directory,
    int filesRead,
    long recordsRead,
    int waiting,
    int deadLetters,
    List<Problem> problems,
    Duration elapsed) {

  /** Copies the list and checks the arguments. */
  public RecoveryReport {
    Objects.requireNonNull(directory, "directory cannot be null");
    problems = List.copyOf(problems);
    Objects.requireNonNull(elapsed, "elapsed cannot be null");
  }

  /** Returns true if nothing had to be skipped, truncated or removed. */
  public boolean isClean() {
    return problems.isEmpty();
  }

  /** Kinds of problem recovery works around. This enum is immutable and threadsafe. */
  public enum Kind {
    /**
     * Bytes that are not an intact record (bit rot, a zero-filled or torn region, garbage) in the
     * middle of a file, or anywhere in an older segment (which no crash can tear): skipped; the
     * file is left as it is until compaction replaces it.
     */
    CORRUPT_REGION,
    /**
     * Bytes after the last intact record of the newest segment (the only one a crash can tear)
     * that are not all zero: a torn write, truncated. Zeros there are unused preallocated space
     * and are truncated silently.
     */
    TORN_TAIL,
    /** A file left by an interrupted compaction (a temporary or superseded file): removed. */
    LEFTOVER_FILE,
    /** A file whose name the queue does not use: ignored and left alone. */
    UNKNOWN_FILE
  }

  /**
   * One problem. This class is immutable and threadsafe.
   *
   * @param kind what kind
   * @param file the file it is in
   * @param offset the offset of the first bad byte (0 for whole files)
   * @param length how many bytes it spans
   * @param detail a human-readable explanation
   */
  public record Problem(Kind kind, Path file, long offset, long length, String detail) {
    /** Checks the arguments. */
    public Problem {
      Objects.requireNonNull(kind, "kind cannot be null");
      Objects.requireNonNull(file, "file cannot be null");
      Objects.requireNonNull(detail, "detail cannot be null");
    }

    @Override
    public String toString() {
      return kind + " in " + file + " at " + offset + " (" + length + " bytes): " + detail;
    }
  }
}
