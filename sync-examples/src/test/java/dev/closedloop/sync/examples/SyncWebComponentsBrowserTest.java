package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.examples.FaultInjectionFilter.Fault;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * sync-web's UI pieces in real Chromium against the demo server (issue 13, cases 5 and 7): the
 * {@code <sync-button>} Web Component (its state sequence through a 503 and a cut answer, an error,
 * the confirm dialog, "attempt n of m") and the React adapter ({@code useSyncMutation} and {@code
 * SyncButton}, bundled by esbuild with React from sync-web's dev tools). Each page records every
 * state it showed with a {@code MutationObserver} ({@code sync-web-pages/harness.js}), so the
 * assertions read a trace, not a moment.
 *
 * <p>The pages run on the demo's origin ({@link SyncWebPages}). Skips without Chromium (and the
 * React case without Node.js), unless {@code CI=true}.
 */
class SyncWebComponentsBrowserTest {
  private DemoServer server;
  private WebDriver driver;

  @BeforeEach
  void start() throws Exception {
    driver = HeadlessChromium.start();
    server = DemoServer.builder()
        .faults(FaultInjectionFilter.builder().enabled(true).retryAfter(Duration.ofSeconds(1)).build())
        .build()
        .start();
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
  void syncButtonGoesPendingWithItsAttemptsThenSuccessThenIdleAndConfirmsOnce() throws Exception {
    openSyncButtonPage();
    WebElement host = driver.findElement(By.id("plain"));
    assertThat(host.getAttribute("data-state")).isEqualTo("idle");
    assertThat(host.getAttribute("aria-busy")).isEqualTo("false");
    assertThat(host.findElement(By.cssSelector(".sync-button-status")).getAttribute("aria-live")).isEqualTo("polite");

    // attempt 1: 503 with Retry-After 1; attempt 2: runs, its answer cut off; attempt 3: the stored answer
    server.faults().script(Fault.UNAVAILABLE, Fault.CUT_RESPONSE);
    host.findElement(By.cssSelector("button.sync-button-button")).click();

    waitUpTo(Duration.ofSeconds(30)).until(d -> trace("plain").contains("success"));
    HeadlessChromium.shot(driver, "sync-button-success");
    waitUpTo(Duration.ofSeconds(10)).until(d -> "idle".equals(host.getAttribute("data-state")));
    assertThat(trace("plain")).containsExactly("idle", "pending:attempt 1 of 3", "pending:attempt 2 of 3",
        "pending:attempt 3 of 3", "success", "idle");

    List<Map<String, Object>> views = views("plain");
    for (Map<String, Object> pending : views.subList(1, 4)) {
      assertThat(pending).containsEntry("disabled", true).containsEntry("busy", "true")
          .containsEntry("label", "Confirming…");
    }
    assertThat(views.get(4)).containsEntry("disabled", false).containsEntry("busy", "false")
        .containsEntry("label", "Confirmed ✓").containsEntry("status", "Confirmed ✓");
    // back to idle after success-duration: the button's own label (markup kept), enabled
    assertThat(views.get(5)).containsEntry("disabled", false).containsEntry("label", "Confirm <b>booking 1001</b>");
    assertThat(host.findElement(By.cssSelector("button.sync-button-button")).isEnabled()).isTrue();
    assertThat(fired()).containsExactly("plain:sync-success:1001", "document:sync-success:plain");

    // applied once, though the server ran it twice over the wire
    assertThat(server.state().booking("1001").confirmations()).isEqualTo(1);
    assertThat(server.state().counters().bookings()).isEqualTo(1);
    assertThat(server.state().counters().duplicates()).isZero();
    assertThat(server.idempotencyFilter().stats().replayed()).isEqualTo(1);
    assertThat(server.faults().counts()).containsEntry(Fault.UNAVAILABLE, 1L).containsEntry(Fault.CUT_RESPONSE, 1L)
        .containsEntry(Fault.NONE, 1L);
  }

  @Test
  void syncButtonShowsEachFailedAttemptThenTheErrorAndAFinalProblemAtOnce() throws Exception {
    openSyncButtonPage();

    // every attempt answered 503: "attempt n of 3" for each, then the error with the server's problem
    server.faults().script(Fault.UNAVAILABLE, Fault.UNAVAILABLE, Fault.UNAVAILABLE);
    driver.findElement(By.cssSelector("#plain button")).click();
    waitUpTo(Duration.ofSeconds(30)).until(d -> trace("plain").contains("error"));
    HeadlessChromium.shot(driver, "sync-button-error");
    assertThat(trace("plain")).containsExactly("idle", "pending:attempt 1 of 3", "pending:attempt 2 of 3",
        "pending:attempt 3 of 3", "error");
    Map<String, Object> error = views("plain").get(4);
    assertThat(error).containsEntry("disabled", false).containsEntry("busy", "false")
        .containsEntry("label", "Confirm <b>booking 1001</b>")
        .containsEntry("status", "Failed: Service unavailable: fault injected: try again later");
    assertThat(fired()).containsExactly("plain:sync-error:503", "document:sync-error:plain");
    assertThat(server.state().counters().total()).isZero();

    // a 404 is final: one attempt, then the error, and the button can be clicked again
    driver.findElement(By.cssSelector("#missing button")).click();
    waitUpTo(Duration.ofSeconds(20)).until(d -> trace("missing").contains("error"));
    assertThat(trace("missing")).containsExactly("idle", "pending:attempt 1 of 3", "error");
    assertThat(views("missing").get(2)).containsEntry("status", "Failed: Booking not found: no booking nope")
        .containsEntry("disabled", false);
    assertThat(fired()).endsWith("missing:sync-error:404", "document:sync-error:missing");
    assertThat(server.faults().counts()).containsEntry(Fault.UNAVAILABLE, 3L).containsEntry(Fault.NONE, 1L);
    assertThat(server.state().counters().total()).isZero();
  }

  @Test
  void syncButtonAsksFirstAndSendsNothingWhenCancelledAndOnceWhenConfirmed() throws Exception {
    openSyncButtonPage();
    WebElement host = driver.findElement(By.id("ask"));
    WebElement dialog;

    // "No": the dialog closes, nothing is sent
    host.findElement(By.cssSelector("button.sync-button-button")).click();
    dialog = host.findElement(By.cssSelector("dialog.sync-button-dialog"));
    waitUpTo(Duration.ofSeconds(5)).until(d -> dialog.isDisplayed());
    assertThat(dialog.getAttribute("open")).isNotNull();
    assertThat(dialog.findElement(By.tagName("p")).getText()).isEqualTo("Confirm booking 1002?");
    assertThat(driver.switchTo().activeElement().getText()).isEqualTo("No"); // the safe choice has the focus
    HeadlessChromium.shot(driver, "sync-button-confirm");
    dialog.findElement(By.cssSelector("button.sync-button-cancel")).click();
    waitUpTo(Duration.ofSeconds(5)).until(d -> !dialog.isDisplayed());

    // Escape: the same
    host.findElement(By.cssSelector("button.sync-button-button")).click();
    waitUpTo(Duration.ofSeconds(5)).until(d -> dialog.isDisplayed());
    driver.switchTo().activeElement().sendKeys(Keys.ESCAPE);
    waitUpTo(Duration.ofSeconds(5)).until(d -> !dialog.isDisplayed());
    assertThat(trace("ask")).containsExactly("idle");

    // "Yes, confirm": one call
    host.findElement(By.cssSelector("button.sync-button-button")).click();
    waitUpTo(Duration.ofSeconds(5)).until(d -> dialog.isDisplayed());
    dialog.findElement(By.cssSelector("button.sync-button-ok")).click();
    waitUpTo(Duration.ofSeconds(20)).until(d -> trace("ask").contains("success"));
    assertThat(trace("ask")).startsWith("idle", "pending").contains("success");
    assertThat(fired()).containsExactly("ask:sync-success:1002", "document:sync-success:ask");

    // the server saw exactly one mutation in all: the cancelled clicks sent nothing
    assertThat(server.faults().counts().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(1);
    assertThat(server.idempotencyFilter().stats().first()).isEqualTo(1);
    assertThat(server.state().booking("1002").confirmations()).isEqualTo(1);
    assertThat(server.state().counters().total()).isEqualTo(1);
  }

  @Test
  void reactPageShowsTheHooksStatesAndSyncButtonsSequence() throws Exception {
    String bundle = SyncWebPages.bundleReactPage();
    SyncWebPages.open(driver, server, "<div id=\"root\"></div>", bundle);
    WebElement output = driver.findElement(By.id("hook-state"));
    assertThat(output.getText()).isEqualTo("idle");

    // useSyncMutation through a 503 (Retry-After 1) to success
    server.faults().script(Fault.UNAVAILABLE);
    driver.findElement(By.id("hook-1003")).click();
    waitUpTo(Duration.ofSeconds(30)).until(d -> output.getText().startsWith("success"));
    assertThat(output.getText()).isEqualTo("success 1003 1");
    assertThat(hookTrace()).containsExactly("idle", "pending 1/3", "pending 2/3", "success 1003 1");

    // a final 404: error with the problem's status
    driver.findElement(By.id("hook-missing")).click();
    waitUpTo(Duration.ofSeconds(20)).until(d -> output.getText().startsWith("error"));
    assertThat(output.getText()).isEqualTo("error 404");
    assertThat(output.getAttribute("data-status")).isEqualTo("error");

    // SyncButton: pending with its attempts, success, idle again after successDuration
    server.faults().script(Fault.CUT_RESPONSE);
    driver.findElement(By.id("react-button")).click();
    waitUpTo(Duration.ofSeconds(30)).until(d -> trace("react-button").contains("success"));
    HeadlessChromium.shot(driver, "react-success");
    waitUpTo(Duration.ofSeconds(10)).until(d -> trace("react-button").size() == 5);
    assertThat(trace("react-button")).containsExactly("idle", "pending:attempt 1 of 3", "pending:attempt 2 of 3",
        "success", "idle");
    List<Map<String, Object>> views = views("react-button");
    assertThat(views.get(1)).containsEntry("disabled", true).containsEntry("busy", "true")
        .containsEntry("label", "Confirming…");
    assertThat(views.get(3)).containsEntry("label", "Confirmed ✓").containsEntry("status", "Confirmed ✓");
    assertThat(views.get(4)).containsEntry("label", "Confirm booking 1004").containsEntry("disabled", false);
    assertThat(fired()).containsExactly("react-button:onSuccess:1004");

    assertThat(server.state().booking("1003").confirmations()).isEqualTo(1);
    assertThat(server.state().booking("1004").confirmations()).isEqualTo(1);
    assertThat(server.state().counters().bookings()).isEqualTo(2);
    assertThat(server.state().counters().duplicates()).isZero();
  }

  // --- pages ---

  private void openSyncButtonPage() throws IOException {
    SyncWebPages.open(driver, server, SyncWebPages.read("sync-button.html"), SyncWebPages.read("sync-button-page.js"));
  }

  @SuppressWarnings("unchecked")
  private List<String> trace(String name) {
    return new ArrayList<>((List<String>) ((JavascriptExecutor) driver).executeScript("return traces[arguments[0]]", name));
  }

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> views(String name) {
    return (List<Map<String, Object>>) ((JavascriptExecutor) driver).executeScript("return views[arguments[0]]", name);
  }

  @SuppressWarnings("unchecked")
  private List<String> fired() {
    return (List<String>) ((JavascriptExecutor) driver).executeScript("return fired");
  }

  @SuppressWarnings("unchecked")
  private List<String> hookTrace() {
    return (List<String>) ((JavascriptExecutor) driver).executeScript("return hookTrace");
  }

  private WebDriverWait waitUpTo(Duration timeout) {
    WebDriverWait wait = new WebDriverWait(driver, timeout);
    wait.pollingEvery(Duration.ofMillis(50));
    return wait;
  }

}
