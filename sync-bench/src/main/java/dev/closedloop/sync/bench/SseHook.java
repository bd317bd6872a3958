package dev.closedloop.sync.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * Runs {@link SseFanOut} for the suite (1,000 clients, 1,000 events, closed loop) and adds
 * its percentiles to the report as {@code SseFanOut.p50}, {@code .p99} and {@code .max}.
 *
 * <p>This class is threadsafe: it holds nothing.
 */
final class SseHook {
  private SseHook() {}

  static void run(SuiteReport report, List<String> notes, Path json) throws Exception {
    SseFanOut.Result r = SseFanOut.run(1000, 1000, 0);
    SseFanOut.writeJson(r, json);
    report.add(new Measured("SseFanOut.p50", r.p50() / 1e6, Double.NaN, "ms/op", 1, Double.NaN));
    report.add(new Measured("SseFanOut.p99", r.p99() / 1e6, Double.NaN, "ms/op", 1, Double.NaN));
    report.add(new Measured("SseFanOut.max", r.max() / 1e6, Double.NaN, "ms/op", 1, Double.NaN));
    notes.add(r.describe() + "; raw: `" + json.getFileName() + "`");
  }
}
