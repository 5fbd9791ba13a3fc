package dev.allspark.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allspark.schemas.LabeledFrame;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.schemas.labels.LabelMaps;
import dev.allspark.testkit.HeadlessChromium;
import dev.allspark.testkit.KafkaBroker;
import dev.allspark.testkit.KafkaIntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The labelers' page in a real headless Chromium (Debian's {@code chromium} and {@code
 * chromium-driver}, installed by {@code .ci/run}; nothing is downloaded): pick a requested frame,
 * preview a mask over it, send it, and see it labeled; then the same without a token is refused.
 */
@KafkaIntegrationTest
class LabelingPageIT {
  private static final int W = 64;
  private static final int H = 48;

  @Test
  void aLabelerPreviewsAndSendsAMaskFromThePage(KafkaBroker kafka, @TempDir Path tmp)
      throws Exception {
    WebDriver browser = HeadlessChromium.start(tmp.resolve("profile"));
    TopicCatalog topics = BridgeTestSupport.topics(kafka);
    try (LabelingBridge bridge = BridgeTestSupport.bridge(kafka, topics, tmp.resolve("state"))) {
      BridgeTestSupport.request(
          kafka,
          topics,
          Fixtures.request("cam-p/0001", W, H, 1_000),
          Fixtures.request("cam-p/0002", W, H, 2_000));
      Path mask = tmp.resolve("mask.png");
      Files.write(mask, Fixtures.idsPng(W, H, 0, 3)); // sky over road
      Path wrong = tmp.resolve("wrong.png");
      Files.write(wrong, Fixtures.idsPng(10, 10, 0, 3));
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));

      browser.get("http://localhost:" + bridge.httpPort() + "/");
      // the queue needs the token (issue 13: it was served to anyone)
      browser.findElement(By.id("token")).sendKeys(BridgeTestSupport.TOKEN);
      // the queue (the page refreshes it; the stores may still be restoring at first)
      wait.until(
          d -> {
            if (d.findElements(By.cssSelector("#queue li")).size() < 2) {
              d.findElement(By.id("refresh")).click();
              return false;
            }
            return true;
          });
      List<String> order =
          browser.findElements(By.cssSelector("#queue li")).stream()
              .map(e -> e.getAttribute("data-frame"))
              .toList();
      assertThat(order).containsExactly("cam-p/0002", "cam-p/0001"); // newest first
      assertThat(browser.findElement(By.id("queue")).getText())
          .contains("uncertain (entropy 1.50)");

      browser.findElement(By.cssSelector("#queue li[data-frame='cam-p/0001']")).click();
      wait.until(ExpectedConditions.attributeToBe(By.id("view"), "data-frame", "cam-p/0001"));
      assertThat(browser.findElement(By.id("frame-why")).getText()).contains("64x48");

      // a mask of the wrong size is caught in the preview and cannot be sent
      browser.findElement(By.id("mask-file")).sendKeys(wrong.toString());
      wait.until(ExpectedConditions.attributeToBe(By.id("view"), "data-overlay", "invalid"));
      assertThat(browser.findElement(By.id("preview-info")).getText())
          .contains("the mask is 10x10, the frame 64x48");
      assertThat(browser.findElement(By.id("send")).isEnabled()).isFalse();

      // the right mask: preview names the classes and draws the overlay in their colours
      browser.findElement(By.id("mask-file")).sendKeys(mask.toString());
      wait.until(ExpectedConditions.attributeToBe(By.id("view"), "data-overlay", "shown"));
      assertThat(browser.findElement(By.id("preview-info")).getText())
          .contains("64x48 class ids, 2 classes: Sky, Road");
      List<?> top = pixel(browser, 5, 5);
      List<?> bottom = pixel(browser, 5, H - 5);
      // the frame is blue-gray on top and purple below; the overlay pulls each half toward its
      // class colour (Sky 128,128,128; Road 128,64,128) at 55 % opacity
      assertThat(((Number) top.get(2)).intValue()).isLessThan(0xc0).isGreaterThan(128);
      assertThat(((Number) bottom.get(1)).intValue()).isBetween(64, 0x40 + 40);
      assertThat(browser.findElement(By.id("send")).isEnabled()).isTrue();

      // without the token the bridge refuses, and the page says so
      browser.findElement(By.id("token")).clear();
      browser.findElement(By.id("send")).click();
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("result"), "Refused"));
      assertThat(browser.findElement(By.id("result")).getText())
          .contains("Refused (401)")
          .contains("Authorization: Bearer");

      browser.findElement(By.id("token")).sendKeys(BridgeTestSupport.TOKEN);
      browser.findElement(By.id("labeler")).sendKeys("page-test");
      browser.findElement(By.id("send")).click();
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("result"), "Labeled"));
      assertThat(browser.findElement(By.id("result")).getText())
          .contains("cam-p/0001 is in frames.labeled (by page-test)");

      Map<String, LabeledFrame> labeled =
          BridgeTestSupport.labeled(kafka, topics, 1, Duration.ofSeconds(60));
      LabelMaps.LabelMap m =
          LabelMaps.read(
              LabelingBridgeIT.bytes(labeled.get("cam-p/0001").getMask().getMask()),
              ClassSet.CAMVID);
      assertThat(m.id(0, 0)).isZero();
      assertThat(m.id(0, H - 1)).isEqualTo(3);
      // the queue no longer lists the labeled frame
      wait.until(
          d ->
              d.findElements(By.cssSelector("#queue li")).stream()
                  .map(e -> e.getAttribute("data-frame"))
                  .toList()
                  .equals(List.of("cam-p/0002")));
    } finally {
      browser.quit();
    }
  }

  private static List<?> pixel(WebDriver browser, int x, int y) {
    return (List<?>)
        ((JavascriptExecutor) browser)
            .executeScript(
                "const d = document.getElementById('view').getContext('2d')"
                    + ".getImageData(arguments[0], arguments[1], 1, 1).data;"
                    + "return [d[0], d[1], d[2]];",
                x,
                y);
  }
}
