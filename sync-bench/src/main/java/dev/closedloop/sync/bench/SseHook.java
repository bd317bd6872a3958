package dev.closedloop.sync.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * Where the suite runs the SSE fan-out program, once the realtime module is in the build.
 *
 * <p>This class is threadsafe.
 */
final class SseHook {
  private SseHook() {}

  static void run(SuiteReport report, List<String> notes, Path json) {
    notes.add("SSE fan-out: not run (sync-realtime is not in this build yet)");
  }
}
