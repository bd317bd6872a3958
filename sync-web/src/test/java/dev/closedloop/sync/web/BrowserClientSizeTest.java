package dev.closedloop.sync.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The size of the browser client: {@code bench/size.mjs} bundles {@code sync.js} and what it
 * imports (esbuild, minified ESM) and gzips it, and does the same for {@code @tanstack/query-core}.
 * Issue 13's goal (a third of query-core) is not met yet (0.66, see BENCHMARKS.md); until it is,
 * this holds {@code sync.js} to a budget just above today's size, so it cannot grow unnoticed, and
 * prints the ratio to the goal.
 */
class BrowserClientSizeTest {
  /** Today's 7,450 B and a little room; lower it as the client shrinks toward the goal (3,769 B). */
  private static final long BUDGET = 6200;
  private static final Pattern ROW = Pattern.compile(
      "\\{\"name\":\"([^\"]+)\",\"minified\":(\\d+),\"gzipped\":(\\d+)\\}");

  @BeforeAll
  static void tools() throws Exception {
    NodeToolchain.require();
  }

  @Test
  void syncJsStaysWithinItsBudgetAndTheRatioToQueryCoreIsPrinted() throws Exception {
    NodeToolchain.Result r = NodeToolchain.run(List.of("node", "bench/size.mjs"), Duration.ofMinutes(2));
    System.out.println(r.output());
    long queryCore = gzipped(r.output(), "@tanstack/query-core");
    assertThat(queryCore).as("query-core measured (a real bundle, not an empty one)").isGreaterThan(5_000);
    assertThat(gzipped(r.output(), "sync-button.js")).isGreaterThan(500);
    assertThat(gzipped(r.output(), "react.js (React external)")).isGreaterThan(500);

    long ours = gzipped(r.output(), "sync.js");
    System.out.printf("sync.js / query-core (min+gzip): %.3f; issue 13's goal: at most 0.333%n",
        (double) ours / queryCore);
    assertThat(ours).as("sync.js min+gzip bytes (budget %d; query-core %d):\n%s", BUDGET, queryCore, r.output())
        .isGreaterThan(1_000)
        .isLessThanOrEqualTo(BUDGET);
  }

  private static long gzipped(String output, String name) {
    Matcher m = ROW.matcher(output);
    while (m.find()) {
      if (m.group(1).equals(name)) {
        return Long.parseLong(m.group(3));
      }
    }
    throw new AssertionError(name + " was not measured:\n" + output);
  }
}
