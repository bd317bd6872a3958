package dev.closedloop.sync.example.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The example's page in headless Chromium, as its user sees it: two windows, a click in one, and
 * both show the booking confirmed once, heard over the SSE stream. Skipped without Debian's
 * chromium and chromium-driver, except with {@code CI=true}. Screenshots go to {@code
 * target/browser/}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Timeout(180)
class BookingsBrowserTest {
  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

  @Value("${local.server.port}")
  int port;

  private WebDriver driver;

  @BeforeEach
  void openBrowser() {
    boolean present = Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(CHROMEDRIVER));
    if (!present && "true".equals(System.getenv("CI"))) {
      Assertions.fail(CHROMIUM + " or " + CHROMEDRIVER + " is missing and CI=true: .ci/run installs the Debian"
          + " packages chromium and chromium-driver");
    }
    Assumptions.assumeTrue(present, "browser test skipped: " + CHROMIUM + " and " + CHROMEDRIVER + " are missing");
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM);
    o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--window-size=900,600");
    driver = new ChromeDriver(o);
  }

  @AfterEach
  void closeBrowser() {
    if (driver != null) {
      driver.quit();
    }
  }

  @Test
  void aClickInOneWindowConfirmsOnceAndBothWindowsSeeIt() throws Exception {
    String page = "http://127.0.0.1:" + port + "/";
    driver.get(page);
    String first = driver.getWindowHandle();
    WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
    wait.until(d -> d.findElements(By.cssSelector("#b3 button")).size() == 1);
    driver.switchTo().newWindow(WindowType.WINDOW).get(page);
    String second = driver.getWindowHandle();
    wait.until(d -> d.findElements(By.cssSelector("#b3 button")).size() == 1);

    driver.switchTo().window(first);
    driver.findElement(By.cssSelector("#b3 button")).click();
    wait.until(d -> d.findElement(By.id("b3")).getText().contains("confirmed (applied 1×)"));
    wait.until(d -> d.findElement(By.id("events")).getText().contains("confirmed b3"));
    screenshot("first-window");

    driver.switchTo().window(second);
    wait.until(d -> d.findElement(By.id("b3")).getText().contains("confirmed (applied 1×)"));
    wait.until(d -> d.findElement(By.id("events")).getText().contains("update"));
    assertThat(driver.findElement(By.cssSelector("#b3 button")).isEnabled()).isFalse();
    screenshot("second-window");
  }

  private void screenshot(String name) throws Exception {
    Path dir = Path.of("target", "browser");
    Files.createDirectories(dir);
    Files.write(dir.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
  }
}
