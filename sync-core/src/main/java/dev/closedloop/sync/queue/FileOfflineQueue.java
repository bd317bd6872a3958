package dev.closedloop.sync.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable {@link OfflineQueue} in a directory: the shared engine over a {@link FileJournal}
 * (whose Javadoc documents the files and the byte layout).
 *
 * <p>Opening takes an exclusive {@link FileChannel#tryLock() file lock} on {@code queue.lock}, so
 * that one queue (in one process) owns the directory at a time; a second opener gets an {@link
 * OfflineQueueLockedException} naming the directory. It then recovers the state (see {@link
 * RecoveryReport}) and starts a new segment. Items that were in flight when the previous owner
 * stopped are waiting again: their leases were never written (at-least-once delivery; the
 * idempotency key makes the replay safe).
 *
 * <p>This class is threadsafe.
 */
final class FileOfflineQueue extends QueueEngine {
  private static final Logger log = LoggerFactory.getLogger(FileOfflineQueue.class);
  static final String LOCK_FILE = "queue.lock";

  private final Path directory;
  private final FileJournal fileJournal;
  private final FileChannel lockChannel;
  private final FileLock fileLock;
  private final RecoveryReport report;

  private FileOfflineQueue(QueueConfig config, Path directory, ReentrantLock lock, QueueState state,
      FileJournal journal, FileChannel lockChannel, FileLock fileLock, RecoveryReport report) {
    super(config, lock, state, journal);
    this.directory = directory;
    this.fileJournal = journal;
    this.lockChannel = lockChannel;
    this.fileLock = fileLock;
    this.report = report;
  }

  static FileOfflineQueue open(QueueConfig config, Path directory) throws IOException {
    Files.createDirectories(directory);
    FileChannel lockChannel = FileChannel.open(directory.resolve(LOCK_FILE),
        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock fileLock;
    try {
      fileLock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      fileLock = null;
    } catch (IOException | RuntimeException e) {
      lockChannel.close();
      throw e;
    }
    if (fileLock == null) {
      lockChannel.close();
      throw new OfflineQueueLockedException(directory);
    }
    FileChannel active = null;
    try {
      QueueState state = new QueueState();
      Recovery.Result recovered = Recovery.run(directory, state, config.ticker);
      long activeNumber = recovered.maxNumber() + 1;
      active = config.channels.open(FileJournal.segmentPath(directory, activeNumber),
          StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileJournal.fsyncDirectory(directory);
      ReentrantLock lock = new ReentrantLock();
      FileJournal journal = new FileJournal(config, directory, lock, state, active, activeNumber,
          recovered.files(), recovered.fileBytes(), recovered.nextSeq());
      FileOfflineQueue queue = new FileOfflineQueue(config, directory, lock, state, journal,
          lockChannel, fileLock, recovered.report());
      journal.start();
      for (OfflineQueueListener l : config.listeners) {
        try {
          l.onRecovered(recovered.report());
        } catch (RuntimeException e) {
          log.warn("Offline queue listener {} failed in onRecovered; ignored", l, e);
        }
      }
      return queue;
    } catch (IOException | RuntimeException | Error e) {
      if (active != null) {
        try {
          active.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      try {
        fileLock.release();
        lockChannel.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Returns what recovery found when this queue was opened. */
  RecoveryReport recoveryReport() {
    return report;
  }

  Path directory() {
    return directory;
  }

  /** Compacts now, whatever the dead ratio: for tests. */
  void compact() throws IOException {
    fileJournal.compactNow();
  }

  @Override
  void afterClose() throws IOException {
    try {
      fileLock.release();
    } finally {
      lockChannel.close();
    }
  }

  @Override
  public String toString() {
    return safeToString(this, "FileOfflineQueue " + directory);
  }
}
