package dev.closedloop.sync.queue;

import java.util.concurrent.locks.ReentrantLock;

/**
 * An {@link OfflineQueue} that lives in memory: the same engine as {@link FileOfflineQueue}, with
 * a journal that commits at once. Nothing survives the process.
 *
 * <p>This class is threadsafe.
 */
final class InMemoryOfflineQueue extends QueueEngine {
  InMemoryOfflineQueue(QueueConfig config) {
    super(config, new ReentrantLock(), new QueueState(), new Journal.InMemory());
  }

  @Override
  public String toString() {
    return safeToString(this, "InMemoryOfflineQueue");
  }
}
