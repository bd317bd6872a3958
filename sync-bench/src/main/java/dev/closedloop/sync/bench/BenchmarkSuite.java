package dev.closedloop.sync.bench;

import dev.closedloop.sync.time.Clock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the whole suite with one command: every JMH benchmark of this module in one JMH
 * invocation (so peers run in the same JVM settings, minutes apart), with the GC profiler for
 * bytes per operation, then the SSE fan-out program; writes the raw JMH JSON and a Markdown
 * report ({@link SuiteReport}) to the results directory.
 *
 * <pre>
 * java -cp sync-bench/target/benchmarks.jar dev.closedloop.sync.bench.BenchmarkSuite \
 *     [--profile short|full] [--out sync-bench/results] [--include REGEX] [--no-sse]
 * </pre>
 *
 * <p>Profiles: {@code short} (default; what each class declares: 1 fork, 2 to 6 warm-up and 5
 * measurement iterations of 1 s; about 7 minutes on 2 cores, the SSE run included) and {@code
 * full} (3 forks and 2 s measurement iterations). Each fork runs with a fixed 2 GiB heap so that
 * heap resizing does not move the numbers of the store-heavy benchmarks.
 *
 * <p>This class is not threadsafe; it is a program.
 */
public final class BenchmarkSuite {
  private BenchmarkSuite() {}

  /**
   * Runs the suite.
   *
   * @param args see the class comment
   */
  public static void main(String[] args) throws Exception {
    String profile = "short";
    Path out = Paths.get("sync-bench", "results");
    String include = "dev\\.closedloop\\.sync\\.bench\\..*Benchmark\\..*";
    boolean sse = true;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--profile":
          profile = value(args, ++i);
          break;
        case "--out":
          out = Paths.get(value(args, ++i));
          break;
        case "--include":
          include = value(args, ++i);
          break;
        case "--no-sse":
          sse = false;
          break;
        default:
          throw new IllegalArgumentException("unknown argument " + args[i]
              + "; usage: [--profile short|full] [--out DIR] [--include REGEX] [--no-sse]");
      }
    }
    Files.createDirectories(out);
    Clock clock = Clock.system();
    String stamp = DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm", Locale.ROOT)
        .format(Instant.ofEpochMilli(clock.millis()).atOffset(ZoneOffset.UTC));
    Path json = out.resolve(stamp + ".json");
    String loadBefore = loadAverage();

    ChainedOptionsBuilder options = new OptionsBuilder()
        .include(include)
        .addProfiler(GCProfiler.class)
        .jvmArgsAppend("-Xms2g", "-Xmx2g")
        .result(json.toString())
        .resultFormat(ResultFormatType.JSON);
    if (profile.equals("full")) {
      options.forks(3).measurementTime(TimeValue.seconds(2));
    } else if (!profile.equals("short")) {
      throw new IllegalArgumentException("profile must be short or full: " + profile);
    }
    Collection<RunResult> runs = new Runner(options.build()).run();

    SuiteReport report = new SuiteReport();
    for (RunResult run : runs) {
      report.add(measured(run));
    }
    List<String> notes = new ArrayList<>();
    if (sse) {
      SseHook.run(report, notes, out.resolve(stamp + "-sse.json"));
    }
    String loadAfter = loadAverage();

    StringBuilder md = new StringBuilder();
    md.append("# Benchmark run ").append(stamp).append(" UTC\n\n");
    md.append("- JDK: ").append(System.getProperty("java.vm.name")).append(' ')
        .append(System.getProperty("java.runtime.version")).append('\n');
    md.append("- Cores: ").append(Runtime.getRuntime().availableProcessors()).append('\n');
    md.append("- Load average (1, 5, 15 min) before: ").append(loadBefore).append("; after: ").append(loadAfter)
        .append('\n');
    md.append("- Profile: ").append(profile).append("; raw JMH JSON: `").append(json.getFileName()).append("`\n");
    for (String note : notes) {
      md.append("- ").append(note).append('\n');
    }
    md.append('\n').append(report.markdown());
    Path markdown = out.resolve(stamp + ".md");
    Files.writeString(markdown, md.toString(), StandardCharsets.UTF_8);
    System.out.println(md);
    System.out.println("Wrote " + json + " and " + markdown);
  }

  static Measured measured(RunResult run) {
    String full = run.getParams().getBenchmark();
    int lastDot = full.lastIndexOf('.');
    int classDot = full.lastIndexOf('.', lastDot - 1);
    String name = full.substring(classDot + 1);
    Result<?> primary = run.getPrimaryResult();
    Result<?> alloc = run.getSecondaryResults().get("gc.alloc.rate.norm");
    return new Measured(name, primary.getScore(), primary.getScoreError(), primary.getScoreUnit(),
        run.getParams().getThreads(), alloc == null ? Double.NaN : alloc.getScore());
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(args[i - 1] + " needs a value");
    }
    return args[i];
  }

  /** The 1, 5 and 15 minute load averages, where the system tells them. */
  static String loadAverage() {
    try {
      String[] parts = Files.readString(Paths.get("/proc/loadavg"), StandardCharsets.US_ASCII).trim().split("\\s+");
      return parts[0] + ", " + parts[1] + ", " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
