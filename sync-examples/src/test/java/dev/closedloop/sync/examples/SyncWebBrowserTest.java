package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.examples.FaultInjectionFilter.Fault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * sync-web in real Chromium against the demo server, offline made real with the DevTools
 * protocol ({@code Network.emulateNetworkConditions}): the browser cases 1, 2, 3, 4 and
 * 6. Each test starts its own server on a fresh port, so its page has an origin of its own (empty
 * IndexedDB, storage and Web Locks). Counts come from the server's state: what it applied, per
 * key, and how many mutation requests reached it (the fault filter counts each, at rate 0).
 * Skips without Chromium, unless {@code CI=true}.
 */
class SyncWebBrowserTest {
  private DemoServer server;
  private WebDriver driver;

  @BeforeEach
  void start() throws Exception {
    driver = HeadlessChromium.start();
    server = DemoServer.builder()
        .faults(FaultInjectionFilter.builder().enabled(true).delay(Duration.ofSeconds(3)).build())
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

  /** Case 1: offline, N clicks, the page opened again while offline, then online: N applied, each key once. */
  @Test
  void clicksWhileOfflineSurviveAReloadAndAreAppliedExactlyOnceEach() throws Exception {
    int n = 5;
    String page = server.uri("/").toString();
    driver.get(page);
    awaitReady();
    network(false);
    for (int i = 1; i <= n; i++) {
      sendSms("offline text " + i);
      waitUpTo(Duration.ofSeconds(10)).until(d -> "queued".equals(button("send-sms").getAttribute("data-state")));
    }
    awaitQueue(n);
    HeadlessChromium.shot(driver, "sync-web-1-queued");
    assertThat(mutationRequests()).isZero();

    // the page goes away (its tab closed) and comes back in a new tab while still offline, from
    // the HTTP cache (DevTools' offline emulation is per tab, so the new tab gets it first)
    String closing = driver.getWindowHandle();
    driver.switchTo().newWindow(WindowType.TAB);
    String reopened = driver.getWindowHandle();
    network(false);
    driver.switchTo().window(closing);
    driver.close();
    driver.switchTo().window(reopened);
    driver.get(page);
    awaitQueue(n);
    HeadlessChromium.shot(driver, "sync-web-1-reopened-offline");
    assertThat(server.state().counters().sms()).isZero();

    network(true);
    waitUpTo(Duration.ofSeconds(30)).until(d -> server.state().counters().sms() == n);
    awaitQueue(0);
    HeadlessChromium.shot(driver, "sync-web-1-drained");
    assertThat(server.state().counters().keys()).isEqualTo(n);
    assertThat(server.state().counters().duplicates()).isZero();
    assertThat(mutationRequests()).as("each queued click sent once").isEqualTo(n);
    assertThat(server.idempotencyFilter().stats().replayed()).isZero();
  }

  /** Case 2: a reload while the request is in flight (the handler delayed) resumes it with the same key. */
  @Test
  void aCallInFlightDuringAReloadIsResumedWithItsKeyAndAppliedOnce() throws Exception {
    String page = server.uri("/").toString();
    driver.get(page);
    awaitReady();
    server.faults().script(Fault.DELAY);
    button("confirm-booking").click();
    waitUpTo(Duration.ofSeconds(10)).until(d -> server.faults().counts().getOrDefault(Fault.DELAY, 0L) == 1L);

    driver.navigate().refresh();
    awaitReady();

    waitUpTo(Duration.ofSeconds(30)).until(d -> server.state().booking("1001").confirmations() == 1);
    awaitQueue(0);
    // the delayed request and the resumed one: two requests over the wire, one key, one effect
    waitUpTo(Duration.ofSeconds(10)).until(d -> mutationRequests() == 2);
    assertThat(server.faults().counts()).containsEntry(Fault.DELAY, 1L).containsEntry(Fault.NONE, 1L);
    assertThat(server.state().counters().keys()).isEqualTo(1);
    assertThat(server.state().counters().bookings()).isEqualTo(1);
    assertThat(server.state().counters().duplicates()).isZero();
    waitUpTo(Duration.ofSeconds(10)).until(d -> server.idempotencyFilter().stats().replayed() == 1);
    assertThat(server.state().booking("1001").confirmations()).isEqualTo(1);
  }

  /** Case 3: two tabs with queued items go online together: each item is sent once. */
  @Test
  void twoTabsWithQueuedItemsSendEachItemOnce() throws Exception {
    String page = server.uri("/").toString();
    driver.get(page);
    String first = driver.getWindowHandle();
    awaitReady();
    network(false);
    for (int i = 1; i <= 4; i++) {
      sendSms("first tab " + i);
    }
    awaitQueue(4);
    // the second tab opens while offline (the page from the HTTP cache), so it cannot drain early
    driver.switchTo().newWindow(WindowType.TAB);
    String second = driver.getWindowHandle();
    network(false);
    driver.get(page);
    awaitQueue(4);
    for (int i = 1; i <= 4; i++) {
      sendSms("second tab " + i);
    }
    awaitQueue(8); // both tabs see the one queue in IndexedDB
    assertThat(mutationRequests()).isZero();

    network(true);
    driver.switchTo().window(first);
    network(true);
    waitUpTo(Duration.ofSeconds(30)).until(d -> server.state().counters().sms() == 8);
    awaitQueue(0);
    driver.switchTo().window(second);
    awaitQueue(0);
    assertThat(mutationRequests()).as("requests that reached the server").isEqualTo(8);
    assertThat(server.state().counters().keys()).isEqualTo(8);
    assertThat(server.state().counters().duplicates()).isZero();
    assertThat(server.idempotencyFilter().stats().replayed()).isZero();
  }

  /** Case 4: two windows see each change; a window opened again resumes after its stored cursor. */
  @Test
  void twoWindowsSeeEachChangeAndAReloadResumesFromTheStoredCursor() throws Exception {
    String page = server.uri("/").toString();
    driver.get(page);
    String first = driver.getWindowHandle();
    awaitReady();
    driver.switchTo().newWindow(WindowType.WINDOW);
    driver.get(page);
    String second = driver.getWindowHandle();
    awaitReady();

    driver.switchTo().window(first);
    button("confirm-booking").click();
    awaitEvents(List.of("bookings#1"));
    driver.switchTo().window(second);
    awaitEvents(List.of("bookings#1"));
    String cursor = (String) js("return Object.entries(sessionStorage)"
        + ".find(([k]) => k.startsWith('closedloop-sync:cursor:'))?.[1] ?? null");
    assertThat(cursor).contains("bookings:1");

    // the second window goes away; two changes happen meanwhile
    driver.get("about:blank");
    driver.switchTo().window(first);
    sendSms("while away 1");
    awaitEvents(List.of("bookings#1", "sms#1"));
    sendSms("while away 2");
    awaitEvents(List.of("bookings#1", "sms#1", "sms#2"));

    // back: exactly the two it missed, once each
    driver.switchTo().window(second);
    driver.get(page);
    awaitReady();
    awaitEvents(List.of("sms#1", "sms#2"));
    driver.switchTo().window(first);
    button("confirm-booking").click();
    awaitEvents(List.of("bookings#1", "sms#1", "sms#2", "bookings#2"));
    driver.switchTo().window(second);
    awaitEvents(List.of("sms#1", "sms#2", "bookings#2"));
    HeadlessChromium.shot(driver, "sync-web-4-resumed");
    assertThat(server.state().counters().duplicates()).isZero();
  }

  /** The demo's promise: clicks while the server is down are queued, shown, and drain when it is back. */
  @Test
  void clicksWhileTheServerIsDownAreQueuedShownAndDrainWhenItReturns() throws Exception {
    driver.get(server.uri("/").toString());
    awaitReady();
    server.stop();
    sendSms("server down 1");
    assertThat(button("send-sms").getAttribute("data-state")).isEqualTo("queued");
    assertThat(driver.findElement(By.id("send-sms-status")).getText()).startsWith("queued: sent when the server is back");
    sendSms("server down 2");
    awaitQueue(2);
    assertThat(driver.findElement(By.id("queue-status")).getText()).isEqualTo("offline queue: 2 waiting");
    HeadlessChromium.shot(driver, "sync-web-server-down");

    server.start();
    // the page probes every 2 s: the same calls finish, and the stream resumes with their events
    waitUpTo(Duration.ofSeconds(30)).until(d -> "success".equals(button("send-sms").getAttribute("data-state")));
    awaitQueue(0);
    awaitEvents(List.of("sms#1", "sms#2"));
    assertThat(server.state().counters().sms()).isEqualTo(2);
    assertThat(server.state().counters().keys()).isEqualTo(2);
    assertThat(server.state().counters().duplicates()).isZero();
    assertThat(mutationRequests()).isEqualTo(2);
  }

  /** Case 6: the Authorization header (from headers()) is never written to IndexedDB. */
  @Test
  void noSecretHeaderIsWrittenToIndexedDb() throws Exception {
    driver.get(server.uri("/").toString());
    awaitReady();
    network(false);
    sendSms("secret check");
    awaitQueue(1);

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> items = (List<Map<String, Object>>) ((JavascriptExecutor) driver).executeAsyncScript(
        "const done = arguments[arguments.length - 1];"
            + "const open = indexedDB.open('closedloop-sync');"
            + "open.onsuccess = () => { const r = open.result.transaction('items').objectStore('items').getAll();"
            + "  r.onsuccess = () => done(r.result.map(i => ({ key: i.key, headers: i.headers, json: JSON.stringify(i) }))); };"
            + "open.onerror = () => done(null);");
    assertThat(items).hasSize(1);
    Map<String, Object> item = items.get(0);
    @SuppressWarnings("unchecked")
    Map<String, Object> headers = (Map<String, Object>) item.get("headers");
    assertThat(headers).containsKey("X-Client-Id").doesNotContainKey("Authorization");
    assertThat((String) item.get("json")).doesNotContainIgnoringCase("authorization").doesNotContain("Bearer");

    network(true);
    waitUpTo(Duration.ofSeconds(30)).until(d -> server.state().counters().sms() == 1);
    awaitQueue(0);
  }

  // ---------------------------------------------------------------------------------------------

  private void network(boolean online) {
    ChromeDriver chrome = (ChromeDriver) driver;
    chrome.executeCdpCommand("Network.enable", Map.of());
    chrome.executeCdpCommand("Network.emulateNetworkConditions", Map.of("offline", !online, "latency", 0,
        "downloadThroughput", -1, "uploadThroughput", -1));
  }

  private void sendSms(String text) {
    WebElement input = driver.findElement(By.id("sms-text"));
    input.clear();
    input.sendKeys(text);
    waitUpTo(Duration.ofSeconds(10)).until(d -> !"loading".equals(button("send-sms").getAttribute("data-state")));
    button("send-sms").click();
    waitUpTo(Duration.ofSeconds(20)).until(d -> {
      String state = button("send-sms").getAttribute("data-state");
      return "queued".equals(state) || "success".equals(state) || "idle".equals(state);
    });
  }

  private WebElement button(String id) {
    return driver.findElement(By.id(id));
  }

  private Object js(String script) {
    return ((JavascriptExecutor) driver).executeScript(script);
  }

  /** Mutation requests that reached the server (the fault filter counts each, faults or not). */
  private long mutationRequests() {
    return server.faults().counts().values().stream().mapToLong(Long::longValue).sum();
  }

  private void awaitReady() {
    waitUpTo(Duration.ofSeconds(15)).until(d ->
        "open".equals(d.findElement(By.id("stream-status")).getAttribute("data-state"))
            && !d.findElements(By.cssSelector("#booking-id option")).isEmpty());
  }

  private void awaitQueue(int pending) {
    waitUpTo(Duration.ofSeconds(30)).until(d ->
        String.valueOf(pending).equals(d.findElement(By.id("queue-status")).getAttribute("data-pending")));
  }

  /** Waits until this window's event list is exactly {@code expected} ("topic#position"), oldest first. */
  private void awaitEvents(List<String> expected) {
    waitUpTo(Duration.ofSeconds(15)).until(d -> events().equals(expected));
  }

  @SuppressWarnings("unchecked")
  private List<String> events() {
    return (List<String>) js("return [...document.querySelectorAll('#events li[data-topic]')].reverse()"
        + ".map(li => li.dataset.topic + '#' + li.textContent.split(' ')[1].slice(1))");
  }

  private WebDriverWait waitUpTo(Duration timeout) {
    WebDriverWait wait = new WebDriverWait(driver, timeout);
    wait.pollingEvery(Duration.ofMillis(50));
    return wait;
  }
}
