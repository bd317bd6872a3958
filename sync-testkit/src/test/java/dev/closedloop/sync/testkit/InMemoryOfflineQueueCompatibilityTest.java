package dev.closedloop.sync.testkit;

import dev.closedloop.sync.queue.OfflineQueue;
import dev.closedloop.sync.queue.OfflineQueueBuilder;

/** The in-memory queue passes the kit. */
class InMemoryOfflineQueueCompatibilityTest extends OfflineQueueCompatibilityKit {
  @Override
  protected OfflineQueue open(OfflineQueueBuilder builder) {
    return builder.buildInMemory();
  }
}
