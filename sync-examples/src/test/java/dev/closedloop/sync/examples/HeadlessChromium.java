package dev.closedloop.sync.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium through Selenium, as RECIPES.md describes: skipped with a message
 * when it is missing, unless {@code CI=true}. Screenshots go to {@code target/browser/}.
 */
final class HeadlessChromium {
  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  static final Path SHOTS = Paths.get("target", "browser");

  private HeadlessChromium() {}

  /** Starts a browser, or skips the test (fails it under CI=true) when Chromium is missing. */
  static WebDriver start() throws IOException {
    return start(new String[0]);
  }

  /** Like {@link #start()}, with more command-line arguments for Chromium. */
  static WebDriver start(String... extraArguments) throws IOException {
    boolean present = Files.isExecutable(Paths.get(CHROMIUM)) && Files.isExecutable(Paths.get(CHROMEDRIVER));
    if (!present && "true".equals(System.getenv("CI"))) {
      throw new IllegalStateException(CHROMIUM + " or " + CHROMEDRIVER
          + " is missing and CI=true: .ci/run installs the Debian packages chromium and chromium-driver");
    }
    Assumptions.assumeTrue(present, "browser test skipped: " + CHROMIUM + " and " + CHROMEDRIVER
        + " are needed (apt-get install chromium chromium-driver)");
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM);
    o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--window-size=1280,1100");
    o.addArguments(extraArguments);
    Files.createDirectories(SHOTS);
    return new ChromeDriver(o);
  }

  /** Saves a screenshot as {@code target/browser/<name>.png} and returns its path. */
  static Path shot(WebDriver driver, String name) throws IOException {
    Path file = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
    Path target = SHOTS.resolve(name + ".png");
    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
    return target;
  }
}
