package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Time from a click in one window to the change event in another (issue 13's benchmark): one
 * Chromium, two windows on the demo server; window A clicks a {@code <sync-button>} confirming a
 * booking ({@code bench-click.js}), window B listens on {@code /events} ({@code
 * bench-listen.js}). Both pages read the same clock, {@code performance.timeOrigin +
 * performance.now()} (one browser, one machine): A takes the click event's {@code timeStamp},
 * B the moment its {@code EventSource} hands over the event, matched to the click by the digest
 * of its idempotency key. Closed loop: the next click waits for the previous answer in A. Prints
 * p50, p99 and max of click → event in B, and of click → answer in A.
 *
 * <p>Not run by the build (the class name is no test's). Run it with
 * {@code mvn -B -q -o -pl sync-examples -am verify -Dtest=ClickToEventBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false -Dclicks=200}; without {@code -Dclicks} it makes 20.
 */
class ClickToEventBenchmark {
  private DemoServer server;
  private WebDriver driver;

  @AfterEach
  void stop() {
    try {
      if (driver != null) {
        driver.quit();
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  @Test
  void clickInOneWindowToTheEventInAnother() throws Exception {
    int clicks = Integer.getInteger("clicks", 20);
    int warmUp = 10;
    // two visible windows: neither may be throttled as a background page
    driver = HeadlessChromium.start("--disable-background-timer-throttling", "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows");
    server = DemoServer.builder().build().start();

    SyncWebPages.open(driver, server, "<h1>B: events</h1>", SyncWebPages.read("bench-listen.js"));
    String listener = driver.getWindowHandle();
    driver.switchTo().newWindow(WindowType.WINDOW);
    SyncWebPages.open(driver, server, "<h1>A: clicks</h1>", SyncWebPages.read("bench-click.js"));

    WebElement button = driver.findElement(By.cssSelector("#bench button"));
    WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
    wait.pollingEvery(Duration.ofMillis(2));
    JavascriptExecutor js = (JavascriptExecutor) driver;
    for (int i = 1; i <= warmUp + clicks; i++) {
      button.click();
      int n = i;
      wait.until(d -> Boolean.TRUE.equals(js.executeScript(
          "return clicks.length === arguments[0] && clicks[arguments[0] - 1].answerAt !== undefined"
              + " && clicks[arguments[0] - 1].digest !== undefined", n)));
    }
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> made = (List<Map<String, Object>>) js.executeScript("return clicks");
    Object mutationsFrom = js.executeScript("return mutationsFrom");

    driver.switchTo().window(listener);
    JavascriptExecutor jsB = (JavascriptExecutor) driver;
    new WebDriverWait(driver, Duration.ofSeconds(30)).until(d ->
        ((Number) jsB.executeScript("return Object.keys(arrivals).length")).intValue() == warmUp + clicks);
    @SuppressWarnings("unchecked")
    Map<String, Object> arrivals = (Map<String, Object>) jsB.executeScript("return arrivals");

    List<Double> toEvent = new ArrayList<>();
    List<Double> toAnswer = new ArrayList<>();
    for (Map<String, Object> click : made.subList(warmUp, made.size())) {
      double at = ((Number) click.get("clickAt")).doubleValue();
      Object arrived = arrivals.get((String) click.get("digest"));
      assertThat(arrived).as("window B heard the event of key %s", click.get("key")).isNotNull();
      toEvent.add(((Number) arrived).doubleValue() - at);
      toAnswer.add(((Number) click.get("answerAt")).doubleValue() - at);
    }
    assertThat(server.state().booking("1001").confirmations()).isEqualTo(warmUp + clicks);
    assertThat(server.state().counters().duplicates()).isZero();

    System.out.printf("ClickToEventBenchmark: %d clicks (after %d unrecorded), page mutations from %s,"
        + " load average %s%n", clicks, warmUp, mutationsFrom, loadAverage());
    System.out.println("  click in A -> event in B: " + summary(toEvent));
    System.out.println("  click in A -> answer in A: " + summary(toAnswer));
  }

  private static String summary(List<Double> millis) {
    double[] sorted = millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return String.format("p50 %.1f ms, p99 %.1f ms, max %.1f ms, min %.1f ms (n=%d)",
        percentile(sorted, 50), percentile(sorted, 99), sorted[sorted.length - 1], sorted[0], sorted.length);
  }

  /** Nearest-rank percentile. */
  private static double percentile(double[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static String loadAverage() {
    try {
      return String.join(" ", Arrays.asList(Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
    } catch (IOException e) {
      return "unknown";
    }
  }
}
