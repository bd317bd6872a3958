package dev.closedloop.sync.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/** Opens the channels a file queue writes through; tests substitute a fault-injecting one. */
@FunctionalInterface
interface ChannelFactory {
  ChannelFactory DEFAULT = FileChannel::open;

  FileChannel open(Path path, OpenOption... options) throws IOException;
}
