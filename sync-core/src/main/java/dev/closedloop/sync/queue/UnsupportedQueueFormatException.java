package dev.closedloop.sync.queue;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A queue file holds a record, intact (its checksum is valid), written by a newer version of the
 * format than this library reads. Opening fails and nothing is changed on disk: skipping the
 * record would silently drop or reorder items a newer version wrote, and appending behind it
 * would mix formats. Open the directory with the newer version, or move the queue aside.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class UnsupportedQueueFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final long offset;
  private final int version;

  UnsupportedQueueFormatException(Path file, long offset, int version, int supported) {
    super("queue file " + file + " holds a record at offset " + offset + " in format version "
        + version + ", but this library reads only version " + supported
        + "; open it with a newer version (nothing was changed on disk)");
    this.file = file;
    this.offset = offset;
    this.version = version;
  }

  /** Returns the file that holds the record. */
  public Path file() {
    return file;
  }

  /** Returns the record's offset in the file. */
  public long offset() {
    return offset;
  }

  /** Returns the format version the record declares. */
  public int version() {
    return version;
  }
}
