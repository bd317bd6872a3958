package dev.closedloop.sync.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The size goal of issue 13, enforced: {@code bench/size.mjs} bundles {@code sync.js} and what it
 * imports (esbuild, minified ESM) and gzips it, does the same for {@code @tanstack/query-core}, and
 * this fails when ours is above a third of theirs.
 */
class BrowserClientSizeTest {
  private static final Pattern ROW = Pattern.compile(
      "\\{\"name\":\"([^\"]+)\",\"minified\":(\\d+),\"gzipped\":(\\d+)\\}");

  @BeforeAll
  static void tools() throws Exception {
    NodeToolchain.require();
  }

  @Test
  void syncJsMinifiedAndGzippedIsAtMostAThirdOfQueryCore() throws Exception {
    NodeToolchain.Result r = NodeToolchain.run(List.of("node", "bench/size.mjs"), Duration.ofMinutes(2));
    System.out.println(r.output());
    long queryCore = gzipped(r.output(), "@tanstack/query-core");
    assertThat(queryCore).as("query-core measured (a real bundle, not an empty one)").isGreaterThan(5_000);
    assertThat(gzipped(r.output(), "sync-button.js")).isGreaterThan(500);
    assertThat(gzipped(r.output(), "react.js (React external)")).isGreaterThan(500);

    Assumptions.assumeTrue(Files.exists(NodeToolchain.MODULE.resolve("src/main/js/sync.js")),
        "sync.js is not on this branch yet: only the other modules were measured");
    long ours = gzipped(r.output(), "sync.js");
    assertThat(ours).as("sync.js min+gzip bytes, vs query-core's %d:\n%s", queryCore, r.output())
        .isLessThanOrEqualTo(queryCore / 3);
    assertThat(r.exitCode()).as(r.output()).isZero();
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
