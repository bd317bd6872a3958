package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The demo's default run, in-process with a small N, and its command line. */
class DemoMainTest {

  private static List<String> run(String... args) throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    int status;
    try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
      status = DemoMain.run(DemoOptions.parse(args), out);
    }
    List<String> lines = List.of(buffer.toString(StandardCharsets.UTF_8).split("\n"));
    assertThat(status).as("exit status; output:%n%s", String.join("\n", lines)).isZero();
    return lines;
  }

  private static int number(List<String> lines, String pattern) {
    Pattern p = Pattern.compile(pattern);
    for (String line : lines) {
      Matcher m = p.matcher(line);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    throw new AssertionError("no line matches " + pattern + " in " + lines);
  }

  @Test
  void theDefaultRunAppliesEveryMutationOnceThroughFaultsAnOutageAndOfflineReplay() throws Exception {
    List<String> lines = run("--mutations", "45", "--clients", "3", "--outage", "1", "--fault-rate", "0.3", "--seed", "7");

    assertThat(lines.get(lines.size() - 1)).isEqualTo("exactly-once: 45 mutations, 45 applied, 0 duplicates, 0 lost");
    int port = number(lines, "^server http://127\\.0\\.0\\.1:(\\d+)/");
    assertThat(number(lines, "^server DOWN after (\\d+) mutations")).isEqualTo(15);
    assertThat(number(lines, "^server UP again on port (\\d+)")).isEqualTo(port);
    assertThat(number(lines, "(\\d+) went through the offline queue")).isPositive();
    assertThat(number(lines, "^clients: (\\d+) succeeded")).isEqualTo(45);
    assertThat(number(lines, ", (\\d+) still queued")).isZero();
    assertThat(number(lines, "^faults injected: (\\d+) answers dropped")
        + number(lines, "dropped after the handler ran, (\\d+) cut")
        + number(lines, " cut, (\\d+) 503s")).isPositive();
  }

  @Test
  void theRunOnTheRedisStoreIsExactlyOnceToo() throws Exception {
    String url = System.getenv().getOrDefault("SYNC_REDIS_URL", Backends.DEFAULT_REDIS_URL);
    URI uri = URI.create(url);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 1000);
    } catch (IOException e) {
      String message = "Redis is not reachable at " + url + ": " + e.getMessage();
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message + " (CI=true: a missing server fails the build)");
      }
      Assumptions.abort(message);
    }

    List<String> lines = run("--mutations", "24", "--clients", "2", "--outage", "0.5", "--redis", url);

    assertThat(lines).anyMatch(l -> l.startsWith("idempotency store: Redis at " + url));
    assertThat(lines).anyMatch(l -> l.startsWith("realtime bus: Redis streams at " + url));
    assertThat(lines.get(lines.size() - 1)).isEqualTo("exactly-once: 24 mutations, 24 applied, 0 duplicates, 0 lost");
  }

  @Test
  void aReportIsExactlyOnceOnlyWhenEveryCountAgrees() {
    List<String> none = List.of();
    assertThat(new ChaosRun.Report(10, 10, 0, 0, 10, 0, 3, 0, none).exactlyOnce()).isTrue();
    assertThat(new ChaosRun.Report(10, 11, 1, 0, 10, 0, 3, 0, none).exactlyOnce()).isFalse();
    assertThat(new ChaosRun.Report(10, 9, 0, 1, 9, 1, 3, 0, none).exactlyOnce()).isFalse();
    assertThat(new ChaosRun.Report(10, 10, 0, 0, 9, 0, 3, 1, none).exactlyOnce()).isFalse();
    assertThat(new ChaosRun.Report(10, 9, 0, 1, 9, 1, 3, 0, none).lastLine())
        .isEqualTo("exactly-once: 10 mutations, 9 applied, 0 duplicates, 1 lost");
  }

  @Test
  void theCommandLineHasDefaultsAndNamesWhatIsWrong() {
    DemoOptions d = DemoOptions.parse();
    assertThat(d.mutations()).isEqualTo(300);
    assertThat(d.faultRate()).isEqualTo(0.3);
    assertThat(d.effectivePort()).isZero();
    assertThat(DemoOptions.parse("--serve").effectivePort()).isEqualTo(8080);
    assertThat(DemoOptions.parse("--outage", "2.5").outage()).isEqualTo(Duration.ofMillis(2500));
    assertThat(DemoOptions.parse("--redis").redisUrl()).isEqualTo(Backends.DEFAULT_REDIS_URL);
    assertThat(DemoOptions.parse("--redis", "--serve").serve()).isTrue();

    assertThatThrownBy(() -> DemoOptions.parse("--fast")).hasMessage("unknown option --fast");
    assertThatThrownBy(() -> DemoOptions.parse("--fault-rate", "1.5")).hasMessage("--fault-rate must be between 0.0 and 1.0: 1.5");
    assertThatThrownBy(() -> DemoOptions.parse("--mutations")).hasMessage("--mutations needs a value");
    assertThatThrownBy(() -> DemoOptions.parse("--mutations", "many")).hasMessage("--mutations must be a whole number: many");
    assertThatThrownBy(() -> DemoOptions.parse("--redis", "localhost:6379")).hasMessage("--redis takes a redis:// URL: localhost:6379");
  }

  @Test
  void helpPrintsTheUsageAloneAndRunsNothing() throws Exception {
    for (String[] args : new String[][] {{"--help"}, {"-h"}, {"--mutations", "5", "--help"}}) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int status = DemoMain.cli(args, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
      assertThat(status).isZero();
      assertThat(out.toString(UTF_8)).isEqualTo(DemoOptions.USAGE + System.lineSeparator());
      assertThat(err.toString(UTF_8)).isEmpty();
    }
  }

  @Test
  void aBadOptionNamesItselfThenTheUsageAndExitsWithTwo() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = DemoMain.cli(new String[] {"--fast"}, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
    assertThat(status).isEqualTo(2);
    assertThat(out.toString(UTF_8)).isEmpty();
    assertThat(err.toString(UTF_8)).isEqualTo("unknown option --fast" + System.lineSeparator() + DemoOptions.USAGE + System.lineSeparator());
  }
}
