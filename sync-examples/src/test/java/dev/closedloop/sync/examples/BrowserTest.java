package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.examples.FaultInjectionFilter.Fault;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page in a real browser (headless Debian Chromium driven by Selenium): two windows, one
 * click on "Confirm booking" through a 503 and a dropped answer, the button's states, the event
 * in both windows, and exactly one application on the server. Skips without Chromium, unless
 * {@code CI=true}.
 */
class BrowserTest {
  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  private static final Path SHOTS = Paths.get("target", "browser");

  private DemoServer server;
  private WebDriver driver;

  @BeforeEach
  void startBrowser() throws Exception {
    boolean present = Files.isExecutable(Paths.get(CHROMIUM)) && Files.isExecutable(Paths.get(CHROMEDRIVER));
    if (!present && "true".equals(System.getenv("CI"))) {
      throw new IllegalStateException(CHROMIUM + " or " + CHROMEDRIVER
          + " is missing and CI=true: .ci/run installs the Debian packages chromium and chromium-driver");
    }
    Assumptions.assumeTrue(present, "browser test skipped: " + CHROMIUM + " and " + CHROMEDRIVER
        + " are needed (apt-get install chromium chromium-driver)");

    server = DemoServer.builder()
        .faults(FaultInjectionFilter.builder().enabled(true).retryAfter(Duration.ofSeconds(1)).build())
        .build()
        .start();
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM);
    o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--window-size=1280,1000");
    driver = new ChromeDriver(o);
    Files.createDirectories(SHOTS);
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
  void oneClickThroughA503AndADroppedAnswerConfirmsOnceAndBothWindowsHearIt() throws Exception {
    String page = server.uri("/").toString();
    driver.get(page);
    String first = driver.getWindowHandle();
    awaitStreamOpenAndBookingsLoaded();
    driver.switchTo().newWindow(WindowType.WINDOW);
    driver.get(page);
    String second = driver.getWindowHandle();
    awaitStreamOpenAndBookingsLoaded();

    // attempt 1: 503 Retry-After 1; attempt 2: runs, answer cut off; attempt 3: replayed answer
    server.faults().script(Fault.UNAVAILABLE, Fault.CUT_RESPONSE);
    driver.switchTo().window(first);
    WebElement button = driver.findElement(By.id("confirm-booking"));
    WebElement status = driver.findElement(By.id("confirm-booking-status"));
    assertThat(button.getAttribute("data-state")).isEqualTo("idle");
    button.click();

    // loading, disabled, with the attempt shown (the 503's Retry-After holds it there a second)
    assertThat(button.getAttribute("data-state")).isEqualTo("loading");
    assertThat(button.isEnabled()).isFalse();
    assertThat(status.getText()).isEqualTo("attempt 1 of 5");
    shot("1-loading");

    waitUpTo(Duration.ofSeconds(20)).until(d -> "success".equals(button.getAttribute("data-state")));
    shot("2-success");
    assertThat(button.getAttribute("data-trace"))
        .isEqualTo("loading:attempt 1 of 5|loading:attempt 2 of 5|loading:attempt 3 of 5|success");
    assertThat(status.getText()).contains("Booking 1001 confirmed (1 confirmation sent) after 3 attempts")
        .contains("answer replayed by the server");
    waitUpTo(Duration.ofSeconds(5)).until(d -> "idle".equals(button.getAttribute("data-state")));
    assertThat(button.isEnabled()).isTrue();

    // the event, with the digest of the click's key (never the key), in this window (marked as ours) ...
    WebElement mine = awaitBookingEvent("1001");
    String key = mine.getAttribute("data-idempotency-key-digest");
    assertThat(key).matches("[A-Za-z0-9_-]{43}");
    assertThat(mine.getAttribute("class")).isEqualTo("yours");
    waitUpTo(Duration.ofSeconds(10)).until(d -> "1".equals(d.findElement(By.id("applied-bookings")).getText()));

    // ... and in the other window, with the same key
    driver.switchTo().window(second);
    WebElement theirs = awaitBookingEvent("1001");
    assertThat(theirs.getAttribute("data-idempotency-key-digest")).isEqualTo(key);
    assertThat(theirs.getAttribute("class")).isEmpty();
    waitUpTo(Duration.ofSeconds(10)).until(d -> "1".equals(d.findElement(By.id("applied-bookings")).getText()));
    assertThat(driver.findElement(By.id("duplicates")).getText()).isEqualTo("0");
    assertThat(driver.findElements(By.cssSelector("#events li[data-topic]"))).hasSize(1);
    shot("3-second-window");

    // the server applied the click exactly once, though it ran the request twice over the wire
    assertThat(server.state().booking("1001").confirmations()).isEqualTo(1);
    assertThat(server.state().counters().bookings()).isEqualTo(1);
    assertThat(server.state().counters().duplicates()).isZero();
    assertThat(server.idempotencyFilter().stats().replayed()).isEqualTo(1);
    assertThat(server.faults().counts()).containsEntry(Fault.UNAVAILABLE, 1L).containsEntry(Fault.CUT_RESPONSE, 1L)
        .containsEntry(Fault.NONE, 1L);

    // the status page shows the same numbers, from /api/state and /metrics
    driver.get(server.uri("/status.html").toString());
    waitUpTo(Duration.ofSeconds(10)).until(d -> "1".equals(d.findElement(By.id("status-applied")).getText())
        && "1".equals(d.findElement(By.id("status-replayed")).getText())
        && "1".equals(d.findElement(By.id("status-first")).getText()));
    assertThat(driver.findElement(By.id("status-duplicates")).getText()).isEqualTo("0");
    shot("5-status");
  }

  @Test
  void anAnswerDroppedWithoutAByteIsHarmlessWhoeverResendsTheRequest() throws Exception {
    driver.get(server.uri("/").toString());
    awaitStreamOpenAndBookingsLoaded();
    server.faults().script(Fault.DROP_AFTER_HANDLER);
    WebElement button = driver.findElement(By.id("confirm-booking"));

    button.click();

    waitUpTo(Duration.ofSeconds(20)).until(d -> "success".equals(button.getAttribute("data-state")));
    // Chromium resends a request by itself when a reused connection closes before any byte of
    // the answer; otherwise the page's retry does. Either way the server ran it twice, applied once.
    assertThat(button.getAttribute("data-trace")).isIn(
        "loading:attempt 1 of 5|success", "loading:attempt 1 of 5|loading:attempt 2 of 5|success");
    System.out.println("dropped answer resent by " + (button.getAttribute("data-trace").contains("attempt 2")
        ? "the page's retry" : "Chromium itself"));
    assertThat(server.faults().counts()).containsEntry(Fault.DROP_AFTER_HANDLER, 1L).containsEntry(Fault.NONE, 1L);
    assertThat(server.state().booking("1001").confirmations()).isEqualTo(1);
    assertThat(server.idempotencyFilter().stats().replayed()).isEqualTo(1);
  }

  @Test
  void aRefusedBulkUpdateShowsTheProblemDetailAndChangesNothing() throws Exception {
    driver.get(server.uri("/").toString());
    awaitStreamOpenAndBookingsLoaded();
    WebElement ids = driver.findElement(By.id("lead-ids"));
    ids.clear();
    ids.sendKeys("lead-1,lead-404");

    driver.findElement(By.id("bulk-leads")).click();

    WebElement button = driver.findElement(By.id("bulk-leads"));
    waitUpTo(Duration.ofSeconds(10)).until(d -> "error".equals(button.getAttribute("data-state")));
    shot("4-error");
    assertThat(button.getAttribute("data-trace")).isEqualTo("loading:attempt 1 of 5|error");
    assertThat(driver.findElement(By.id("bulk-leads-status")).getText())
        .isEqualTo("Unknown lead: one of the ids names no lead; nothing was changed");
    assertThat(button.isEnabled()).isTrue();
    assertThat(server.state().leads()).containsEntry("lead-1", "NEW");
    assertThat(server.state().counters().total()).isZero();
  }

  private void awaitStreamOpenAndBookingsLoaded() {
    waitUpTo(Duration.ofSeconds(15)).until(d ->
        "open".equals(d.findElement(By.id("stream-status")).getAttribute("data-state"))
            && !d.findElements(By.cssSelector("#booking-id option")).isEmpty());
  }

  private WebElement awaitBookingEvent(String bookingId) {
    By selector = By.cssSelector("#events li[data-topic='bookings'][data-key='" + bookingId + "']");
    waitUpTo(Duration.ofSeconds(10)).until(d -> !d.findElements(selector).isEmpty());
    List<WebElement> items = driver.findElements(selector);
    assertThat(items).hasSize(1);
    return items.get(0);
  }

  private WebDriverWait waitUpTo(Duration timeout) {
    WebDriverWait wait = new WebDriverWait(driver, timeout);
    wait.pollingEvery(Duration.ofMillis(50));
    return wait;
  }

  private void shot(String name) throws IOException {
    Path file = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(file, SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }
}
