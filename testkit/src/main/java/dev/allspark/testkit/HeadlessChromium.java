package dev.allspark.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A real headless Chromium for page tests: Debian's {@code chromium} and {@code chromium-driver}
 * (installed by {@code .ci/run}), never a browser downloaded at test time. Where they are missing
 * the calling test is skipped with a message saying so. Paths can be overridden with {@code
 * -Dallspark.chromium=...} and {@code -Dallspark.chromedriver=...}.
 */
public final class HeadlessChromium {
  private HeadlessChromium() {}

  /** Starts the browser (its profile in {@code profile}), or skips the calling test. */
  public static WebDriver start(Path profile) {
    Path chromium = Path.of(System.getProperty("allspark.chromium", "/usr/bin/chromium"));
    Path driver = Path.of(System.getProperty("allspark.chromedriver", "/usr/bin/chromedriver"));
    assumeTrue(
        Files.isExecutable(chromium) && Files.isExecutable(driver),
        "headless Chromium test skipped: "
            + chromium
            + " or "
            + driver
            + " is missing (apt-get install chromium chromium-driver; .ci/run does)");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--user-data-dir=" + profile,
        "--window-size=1280,900");
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile()).build();
    return new ChromeDriver(service, options);
  }
}
