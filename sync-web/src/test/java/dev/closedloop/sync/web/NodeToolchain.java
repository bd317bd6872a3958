package dev.closedloop.sync.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The machine's Node.js, run from tests: {@code npm ci} of the committed lockfile (the dev tools:
 * esbuild, TypeScript, React), then {@code node} commands in the module's folder. Without
 * {@code node} a test skips with a message, unless {@code CI=true}, where it fails.
 */
final class NodeToolchain {
  /** The module's folder (the working directory Maven gives tests). */
  static final Path MODULE = Paths.get("").toAbsolutePath();

  private static boolean installed;

  private NodeToolchain() {}

  /** What a finished command printed (stdout and stderr together) and its exit code. */
  record Result(int exitCode, String output) {}

  /** Skips (fails under CI=true) without node and npm; installs the dev tools once per lockfile. */
  static synchronized void require() throws IOException, InterruptedException {
    boolean present = onPath("node") && onPath("npm");
    String message = "node and npm are missing: install Node.js 20 to run sync-web's tests";
    if (!present && "true".equals(System.getenv("CI"))) {
      throw new IllegalStateException(message + " (CI=true)");
    }
    Assumptions.assumeTrue(present, "skipped: " + message);
    if (installed) {
      return;
    }
    Path lock = MODULE.resolve("package-lock.json");
    Path stamp = MODULE.resolve("node_modules/.closedloop-lock-sha256");
    String want = sha256(Files.readAllBytes(lock));
    if (!Files.exists(stamp) || !Files.readString(stamp).equals(want)) {
      Result ci = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Duration.ofMinutes(5));
      if (ci.exitCode() != 0) {
        throw new IllegalStateException("npm ci failed:\n" + ci.output());
      }
      Files.writeString(stamp, want);
    }
    installed = true;
  }

  /** Runs {@code command} in the module's folder, waiting at most {@code timeout}. */
  static Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
    Path out = Files.createTempFile("sync-web", ".out");
    try {
      Process p = new ProcessBuilder(new ArrayList<>(command)).directory(MODULE.toFile())
          .redirectErrorStream(true).redirectOutput(out.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(Paths.get("/dev/null").toFile())).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        p.toHandle().destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        throw new IllegalStateException(command + " did not finish in " + timeout + ":\n" + Files.readString(out));
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Paths.get(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
