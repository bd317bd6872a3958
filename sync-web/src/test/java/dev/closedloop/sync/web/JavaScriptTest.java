package dev.closedloop.sync.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the browser code's own tests from the Maven build: {@code node --test} over
 * {@code src/test/js} (logic with fake timers and an in-memory IndexedDB) and {@code tsc --noEmit}
 * over the typed examples in {@code src/test/ts}, which checks the shipped {@code .d.ts} files.
 */
class JavaScriptTest {
  @BeforeAll
  static void tools() throws Exception {
    NodeToolchain.require();
  }

  @Test
  void nodeTestsPass() throws Exception {
    NodeToolchain.Result r = NodeToolchain.run(
        List.of("node", "--test", "--test-reporter=spec", "src/test/js/"), Duration.ofMinutes(3));
    System.out.println(r.output());
    assertThat(r.exitCode()).as("node --test src/test/js/:\n%s", r.output()).isZero();
    assertThat(r.output()).as("ran at least one test").containsPattern("(?m)^. pass [1-9]");
  }

  @Test
  void declarationsTypeCheckAgainstTheTypedExamples() throws Exception {
    NodeToolchain.Result r = NodeToolchain.run(
        List.of("node", "node_modules/typescript/bin/tsc", "--noEmit", "-p", "src/test/ts/tsconfig.json"),
        Duration.ofMinutes(3));
    assertThat(r.exitCode()).as("tsc --noEmit:\n%s", r.output()).isZero();
  }
}
