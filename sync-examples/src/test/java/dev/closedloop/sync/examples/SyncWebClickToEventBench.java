package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Time from a click on the demo page (sync-web) to its change event in a second window, in real
 * Chromium on the demo server: {@value #CLICKS} clicks one after another, each timed from the
 * click listener in the first window to the moment the event's row is added in the second (both
 * on {@code performance.timeOrigin + performance.now()}, one browser, one clock). Not run by the
 * build (its name does not end in Test): {@code mvn -pl sync-examples -am verify
 * -Dtest=SyncWebClickToEventBench -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class SyncWebClickToEventBench {
  private static final int CLICKS = 200;
  private static final String NOW = "performance.timeOrigin + performance.now()";

  private DemoServer server;
  private WebDriver driver;

  @BeforeEach
  void start() throws Exception {
    driver = HeadlessChromium.start();
    server = DemoServer.builder().build().start();
  }

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
  void clickToEventOnASecondWindow() {
    String page = server.uri("/").toString();
    driver.get(page);
    String clicker = driver.getWindowHandle();
    awaitReady();
    observeEvents();
    js("window.__clicks = []; document.getElementById('confirm-booking').addEventListener('click', "
        + "() => __clicks.push(" + NOW + "), true)");
    driver.switchTo().newWindow(WindowType.WINDOW);
    driver.get(page);
    awaitReady();
    observeEvents();
    driver.switchTo().window(clicker);

    for (int i = 1; i <= CLICKS; i++) {
      int seen = i;
      waitUpTo().until(d -> !"loading".equals(d.findElement(By.id("confirm-booking")).getAttribute("data-state")));
      driver.findElement(By.id("confirm-booking")).click();
      waitUpTo().until(d -> ((Number) js("return __events.length")).intValue() == seen);
    }
    @SuppressWarnings("unchecked")
    List<Number> clicks = (List<Number>) js("return __clicks");
    driver.switchTo().window(driver.getWindowHandles().stream().filter(h -> !h.equals(clicker)).findFirst().orElseThrow());
    waitUpTo().until(d -> ((Number) js("return __events.length")).intValue() == CLICKS);
    @SuppressWarnings("unchecked")
    List<Number> events = (List<Number>) js("return __events");

    assertThat(clicks).hasSize(CLICKS);
    assertThat(server.state().counters().bookings()).isEqualTo(CLICKS);
    assertThat(server.state().counters().duplicates()).isZero();
    List<Double> latencies = new ArrayList<>();
    for (int i = 0; i < CLICKS; i++) {
      latencies.add(events.get(i).doubleValue() - clicks.get(i).doubleValue());
    }
    latencies.sort(null);
    System.out.printf("click to event on a second window, %d clicks: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
        CLICKS, percentile(latencies, 0.50), percentile(latencies, 0.99), latencies.get(CLICKS - 1));
  }

  private static double percentile(List<Double> sorted, double p) {
    return sorted.get((int) Math.ceil(p * sorted.size()) - 1);
  }

  /** Records the time each change event's row is added to this window's list. */
  private void observeEvents() {
    js("window.__events = []; new MutationObserver((records) => { for (const r of records) for (const n of r.addedNodes)"
        + " if (n.dataset && n.dataset.topic) __events.push(" + NOW + "); })"
        + ".observe(document.getElementById('events'), { childList: true })");
  }

  private void awaitReady() {
    new WebDriverWait(driver, Duration.ofSeconds(15)).until(d ->
        "open".equals(d.findElement(By.id("stream-status")).getAttribute("data-state"))
            && !d.findElements(By.cssSelector("#booking-id option")).isEmpty());
  }

  private Object js(String script) {
    return ((JavascriptExecutor) driver).executeScript(script.startsWith("return") ? script : script + ";");
  }

  private WebDriverWait waitUpTo() {
    WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(15));
    wait.pollingEvery(Duration.ofMillis(5));
    return wait;
  }
}
