package dev.closedloop.sync.queue;

import dev.closedloop.sync.SyncException;
import java.nio.file.Path;

/**
 * Another process (or another queue in this process) already owns the queue directory. One owner
 * at a time: two writers appending to the same segments would corrupt each other's records.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class OfflineQueueLockedException extends SyncException {
  private static final long serialVersionUID = 1L;

  private final transient Path directory;

  OfflineQueueLockedException(Path directory) {
    super("offline queue directory " + directory + " is already open in another queue or process"
        + " (lock file " + directory.resolve(FileOfflineQueue.LOCK_FILE) + " is held)");
    this.directory = directory;
  }

  /** Returns the directory that is locked. */
  public Path directory() {
    return directory;
  }
}
