package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.micrometer.OfflineQueueMetrics;
import dev.closedloop.sync.queue.OfflineQueue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The status page's charts in Chromium: real requests, a breaker forced open and a real offline
 * queue bound to the demo's meters move them, the page draws them from {@code /metrics}, and a
 * screenshot is saved as {@code target/browser/status-charts.png}.
 */
class StatusChartsBrowserTest {
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

  private int points(String chart) {
    String n = driver.findElement(By.id(chart)).getAttribute("data-points");
    return n == null ? 0 : Integer.parseInt(n);
  }

  private String legend(String chart) {
    return driver.findElement(By.id(chart)).findElement(By.className("legend")).getText();
  }

  @Test
  void theChartsDrawRatesLatencyBreakerStateAndQueueDepthFromMetrics() throws Exception {
    driver = HeadlessChromium.start();
    server = DemoServer.builder().build().start();
    TestHttp http = new TestHttp(server);
    try (OfflineQueue queue = OfflineQueue.builder().buildInMemory()) {
      new OfflineQueueMetrics(server.meterRegistry(), "status-test").bind(queue);
      for (int i = 0; i < 3; i++) {
        queue.offer("q-" + i, "{}".getBytes(StandardCharsets.UTF_8));
      }
      driver.get(server.uri("/status.html").toString());

      AtomicInteger sent = new AtomicInteger();
      WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(20));
      wait.pollingEvery(Duration.ofMillis(200));
      wait.until(d -> {
        try { // traffic while the page samples: a first run and a replay each round
          int n = sent.incrementAndGet();
          http.send("POST", "/api/bookings/" + (1000 + n % 5) + "/confirm", "chart-" + n, "{}");
          http.send("POST", "/api/bookings/" + (1000 + n % 5) + "/confirm", "chart-" + n, "{}");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        return points("chart-rates") >= 12 && legend("chart-rates").matches("(?s).*first: [1-9].*replayed: [1-9].*");
      });
      assertThat(points("chart-latency")).isPositive();
      assertThat(legend("chart-queue")).contains("waiting: 3").contains("in flight: 0");
      assertThat(legend("chart-breaker")).contains("state: closed");

      server.smsSender().breaker().forceOpen();
      wait.until(d -> legend("chart-breaker").contains("state: open"));
      WebElement line = driver.findElement(By.cssSelector("#chart-breaker polyline"));
      assertThat(line.getAttribute("points").split(" ")).as("closed, then open").hasSizeGreaterThan(2);
      server.smsSender().breaker().reset();

      Path shot = HeadlessChromium.shot(driver, "status-charts");
      assertThat(Files.size(shot)).isGreaterThan(10_000);
    }
  }
}
