package dev.closedloop.sync.examples;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's Prometheus binaries, run from tests as child processes. A test that needs one skips
 * with a message when it is missing, unless {@code CI=true}, where it fails ({@code .ci/run}
 * installs the package).
 */
final class ExternalTools {
  static final Path PROMETHEUS = Paths.get("/usr/bin/prometheus");
  static final Path PROMTOOL = Paths.get("/usr/bin/promtool");
  /** The shipped rules, dashboard and rule tests. */
  static final Path DOCS = Paths.get("..", "docs").toAbsolutePath().normalize();

  private ExternalTools() {}

  /** Skips (fails under CI=true) unless {@code tool} is installed. */
  static void require(Path tool) {
    boolean present = Files.isExecutable(tool);
    String message = tool + " is missing: apt-get install prometheus (Debian; promtool is in it)";
    if (!present && "true".equals(System.getenv("CI"))) {
      throw new IllegalStateException(message + "; CI=true: .ci/run installs it");
    }
    Assumptions.assumeTrue(present, "skipped: " + message);
  }

  /** What a finished child process printed (stdout and stderr together) and its exit code. */
  record Result(int exitCode, String output) {}

  /**
   * Runs {@code command} in {@code dir}, with {@code stdin} (or nothing) as its input, and waits
   * for it at most {@code timeout}.
   */
  static Result run(List<String> command, Path dir, Path stdin, Duration timeout) throws IOException, InterruptedException {
    Path out = Files.createTempFile("cls-tool", ".out");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(out.toFile());
      pb.redirectInput(stdin == null ? ProcessBuilder.Redirect.from(Paths.get("/dev/null").toFile())
          : ProcessBuilder.Redirect.from(stdin.toFile()));
      Process p = pb.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.toHandle().destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        throw new IllegalStateException(command + " did not finish in " + timeout + ":\n" + Files.readString(out));
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
