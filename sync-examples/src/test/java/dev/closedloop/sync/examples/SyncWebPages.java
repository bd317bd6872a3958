package dev.closedloop.sync.examples;

import java.io.File;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Test pages for sync-web on the demo's origin ({@code src/test/resources/sync-web-pages}): the
 * browser opens a path the demo does not serve (its 404 page, same origin) and the page is written
 * into it, so it reaches {@code /api/...}, {@code /events} and the WebJar at {@code
 * /webjars/closedloop-sync/} as the demo's own page does. Its mutations come from {@code sync.js}
 * when the WebJar has it, else from a test stand-in with its call contract ({@code
 * mutations-test.js}).
 */
final class SyncWebPages {
  static final Path PAGES = Paths.get("src", "test", "resources", "sync-web-pages");
  private static final Path SYNC_WEB = Paths.get("..", "sync-web").toAbsolutePath().normalize();

  private SyncWebPages() {}

  /**
   * Opens a page on the demo's origin: its 404 page at an unused path, with {@code html} as the
   * body and one module script: the harness, the mutations (sync.js's or the stand-in's), then
   * {@code script}. Waits until the page says it is ready.
   */
  static void open(WebDriver driver, DemoServer server, String html, String script) throws IOException {
    String module = String.join("\n", read("harness.js"), read(mutationsModule(server)), script);
    driver.get(server.uri("/sync-web-test/page").toString());
    ((JavascriptExecutor) driver).executeScript(
        "document.title = 'sync-web test';"
            + "window.addEventListener('error', (e) => { document.body.dataset.error = String(e.message); });"
            + "document.body.innerHTML = arguments[0];"
            + "const s = document.createElement('script'); s.type = 'module'; s.textContent = arguments[1];"
            + "document.body.append(s);",
        html, module);
    new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> {
      WebElement body = d.findElement(By.tagName("body"));
      String error = body.getAttribute("data-error");
      if (error != null) {
        throw new AssertionError("the page failed: " + error);
      }
      return "true".equals(body.getAttribute("data-ready"));
    });
    System.out.println("page mutations from " + ((JavascriptExecutor) driver).executeScript("return mutationsFrom"));
  }

  /** sync.js's mutations once the WebJar serves it, else the test stand-in. */
  static String mutationsModule(DemoServer server) throws IOException {
    try {
      HttpResponse<String> r = new TestHttp(server).get("/webjars/closedloop-sync/sync.js");
      return r.statusCode() == 200 ? "mutations-sync.js" : "mutations-test.js";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  static String read(String name) throws IOException {
    return Files.readString(PAGES.resolve(name), StandardCharsets.UTF_8);
  }

  /**
   * Bundles {@code react-page.jsx} with esbuild (sync-web's dev tools, installed with {@code npm ci}
   * from its lockfile when missing) and returns the script. Skips without Node.js unless CI=true.
   */
  static String bundleReactPage() throws IOException, InterruptedException {
    boolean node = onPath("node") && onPath("npm");
    if (!node && "true".equals(System.getenv("CI"))) {
      throw new IllegalStateException("node and npm are missing and CI=true: the React page is bundled with esbuild");
    }
    Assumptions.assumeTrue(node, "React page skipped: node and npm are needed to bundle it");
    if (!Files.isDirectory(SYNC_WEB.resolve("node_modules/esbuild"))
        || !Files.isDirectory(SYNC_WEB.resolve("node_modules/react-dom"))) {
      run(List.of("npm", "ci", "--no-audit", "--no-fund"), SYNC_WEB);
    }
    Path out = Files.createTempFile("react-page", ".js");
    try {
      run(List.of("node", PAGES.resolve("bundle.mjs").toAbsolutePath().toString(), SYNC_WEB.toString(),
          PAGES.resolve("react-page.jsx").toAbsolutePath().toString(), out.toString()), SYNC_WEB);
      return Files.readString(out, StandardCharsets.UTF_8);
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private static void run(List<String> command, Path dir) throws IOException, InterruptedException {
    Path log = Files.createTempFile("sync-web-node", ".log");
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        p.toHandle().destroyForcibly();
        throw new IllegalStateException(command + " did not finish in 5 minutes:\n" + Files.readString(log));
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(command + " failed (" + p.exitValue() + "):\n" + Files.readString(log));
      }
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Paths.get(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
