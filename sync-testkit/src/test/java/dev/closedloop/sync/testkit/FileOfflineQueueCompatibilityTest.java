package dev.closedloop.sync.testkit;

import dev.closedloop.sync.queue.OfflineQueue;
import dev.closedloop.sync.queue.OfflineQueueBuilder;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The file queue, with its defaults ({@code Durability.ALWAYS}), passes the kit. */
class FileOfflineQueueCompatibilityTest extends OfflineQueueCompatibilityKit {
  @TempDir Path dir;

  @Override
  protected OfflineQueue open(OfflineQueueBuilder builder) throws IOException {
    return builder.open(dir);
  }
}
