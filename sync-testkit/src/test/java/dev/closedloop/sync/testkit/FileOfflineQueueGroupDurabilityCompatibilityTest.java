package dev.closedloop.sync.testkit;

import dev.closedloop.sync.queue.Durability;
import dev.closedloop.sync.queue.OfflineQueue;
import dev.closedloop.sync.queue.OfflineQueueBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file queue passes the kit with group durability (operations return before the fsync) and
 * small segments that roll and compact while the cases run.
 */
class FileOfflineQueueGroupDurabilityCompatibilityTest extends OfflineQueueCompatibilityKit {
  @TempDir Path dir;

  @Override
  protected OfflineQueue open(OfflineQueueBuilder builder) throws IOException {
    return builder.durability(Durability.group(8, Duration.ofMillis(2))).segmentBytes(4096).open(dir);
  }
}
