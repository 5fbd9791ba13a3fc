package dev.allspark.bridge;

import static dev.allspark.bridge.BridgeTestSupport.ALICE;
import static dev.allspark.bridge.BridgeTestSupport.BOB;
import static dev.allspark.bridge.BridgeTestSupport.RITA;
import static org.assertj.core.api.Assertions.assertThat;

import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.schemas.labels.LabelMaps;
import dev.allspark.testkit.HeadlessChromium;
import dev.allspark.testkit.KafkaBroker;
import dev.allspark.testkit.KafkaIntegrationTest;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.interactions.PointerInput;
import org.openqa.selenium.interactions.Sequence;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The labelers' page in a real headless Chromium (Debian's {@code chromium} and {@code
 * chromium-driver}, installed by {@code .ci/run}; nothing is downloaded), used as people would:
 * alice claims a frame, sees the model's prediction, paints with the brush in a chosen class,
 * undoes a stroke, fills a region and submits; bob finds the frame taken and cannot submit for it;
 * rita, a reviewer, sends the mask back with a comment, then accepts the corrected one; the mask on
 * {@code labels.masks} has exactly the painted pixels changed. A claim that expires returns to the
 * queue; a revoked token is refused at once.
 */
@KafkaIntegrationTest
class LabelingPageIT {
  private static final int W = 64;
  private static final int H = 48;

  private final HttpClient http = HttpClient.newHttpClient();

  /** A CamVid class id by its name. */
  private static int camvid(String name) {
    return ClassSet.CAMVID.index(name);
  }

  @Test
  void labelersClaimEditAndSubmitAndAReviewerDecides(KafkaBroker kafka, @TempDir Path tmp)
      throws Exception {
    Path labelers = BridgeTestSupport.team(tmp.resolve("labelers"));
    MutableClock clock = new MutableClock();
    WebDriver browser = HeadlessChromium.start(tmp.resolve("profile"));
    TopicCatalog topics = BridgeTestSupport.topics(kafka);
    try (LabelingBridge bridge =
        BridgeTestSupport.bridge(
            kafka,
            topics,
            tmp.resolve("state"),
            "bridge-" + java.util.UUID.randomUUID(),
            labelers,
            clock,
            b ->
                b.set(BridgeSettings.Key.REVIEW, true)
                    .set(BridgeSettings.Key.CLAIM_SECONDS, 600))) {
      // a frame the model segmented (sky over road) and one from the cold start (no prediction)
      BridgeTestSupport.request(
          kafka,
          topics,
          Fixtures.predicted("cam-p/0001", W, H, 1_000, camvid("Sky"), camvid("Road")),
          Fixtures.request("cam-p/0002", W, H, 2_000));
      String base = "http://localhost:" + bridge.httpPort();
      // the page redraws its queue (every 10 s and after each action): an element found just
      // before a redraw is stale, and is looked up again
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
      wait.ignoring(StaleElementReferenceException.class);
      browser.get(base + "/");

      // alice signs in with her own token; the queue lists both frames, newest first
      signIn(browser, wait, ALICE, "signed in as alice");
      waitForQueue(browser, wait, 2);
      assertThat(queue(browser)).containsExactly("cam-p/0002", "cam-p/0001");

      // she opens the predicted frame: the editor starts from the model's mask, read-only
      open(browser, wait, "cam-p/0001");
      assertThat(view(browser).getAttribute("data-prediction")).isEqualTo("v3");
      assertThat(browser.findElement(By.id("edit-info")).getText())
          .contains("Started from the prediction of model v3; 0 pixels changed")
          .contains("Sky 50.0 %, Road 50.0 %");
      // the overlay pulls the frame's top half toward Sky's grey, the bottom toward Road's purple
      List<Long> top = pixelAt(browser, 5, 5);
      List<Long> bottom = pixelAt(browser, 5, H - 5);
      assertThat(top.get(2)).isBetween(129L, 0xbfL);
      assertThat(bottom.get(1)).isBetween(64L, 104L);
      assertThat(browser.findElement(By.id("send")).isEnabled()).isFalse();
      browser.findElement(By.id("claim")).click();
      wait.until(ExpectedConditions.attributeToBe(By.id("view"), "data-claim", "mine"));

      // bob sees the frame as taken, cannot claim it, and the API refuses his mask
      signIn(browser, wait, BOB, "signed in as bob");
      wait.until(d -> "taken".equals(item(d, "cam-p/0001").getAttribute("data-claim")));
      assertThat(itemText(wait, "cam-p/0001")).contains("taken by alice until");
      open(browser, wait, "cam-p/0001");
      assertThat(browser.findElement(By.id("claim")).isEnabled()).isFalse();
      assertThat(browser.findElement(By.id("claim-info")).getText()).contains("taken by alice");
      HttpResponse<String> bobs = putMask(base, "cam-p/0001", Fixtures.idsPng(W, H, 5, 5), BOB);
      assertThat(bobs.statusCode()).isEqualTo(409);
      assertThat(bobs.body()).contains("claimed by alice").contains("override=true");

      // alice paints: a Car stroke, a Pedestrian stroke she undoes (redoes, undoes), a Building
      // fill
      signIn(browser, wait, ALICE, "signed in as alice");
      open(browser, wait, "cam-p/0001");
      wait.until(ExpectedConditions.attributeToBe(By.id("view"), "data-claim", "mine"));
      WebElement body = browser.findElement(By.tagName("body"));
      body.sendKeys("b", "[", "["); // the brush, size 9 -> 5
      assertThat(browser.findElement(By.id("size-value")).getText()).isEqualTo("5");
      body.sendKeys("9"); // Car (class 8) on key 9
      assertThat(view(browser).getAttribute("data-class")).isEqualTo(String.valueOf(camvid("Car")));
      drag(browser, 10.5, 10.5, 30.5, 10.5);
      body.sendKeys("0"); // Pedestrian
      drag(browser, 40.5, 5.5, 50.5, 15.5);
      browser.findElement(By.id("undo")).click();
      // redo brings the stroke back and undo takes it off again: were redo a no-op, that undo
      // would take the Car stroke and the mask would differ
      browser.findElement(By.id("redo")).click();
      browser.findElement(By.id("undo")).click();
      body.sendKeys("2", "f"); // Building, the fill tool
      click(browser, 40.5, 40.5);
      byte[] expected = expectedMask();
      long painted = changed(expected);
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(
              By.id("edit-info"), painted + " pixels changed"));
      screenshot(browser, "labeling-editor.png");
      browser.findElement(By.id("send")).click();
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("result"), "In review"));
      assertThat(browser.findElement(By.id("result")).getText())
          .contains(
              String.format("%.1f %% changed from the prediction", 100.0 * painted / (W * H)));

      // rita sends it back with a comment; alice sees it in the queue and goes on from her mask
      signIn(browser, wait, RITA, "signed in as rita (reviewer)");
      reviewAndDecide(browser, wait, "cam-p/0001", "reject", "the car looks too thin");
      signIn(browser, wait, ALICE, "signed in as alice");
      wait.until(d -> item(d, "cam-p/0001").getText().contains("sent back by rita"));
      assertThat(itemText(wait, "cam-p/0001")).contains("the car looks too thin");
      open(browser, wait, "cam-p/0001");
      assertThat(browser.findElement(By.id("edit-info")).getText())
          .contains("Started from the mask rita sent back; 0 pixels changed");
      browser.findElement(By.id("claim")).click();
      wait.until(ExpectedConditions.attributeToBe(By.id("view"), "data-claim", "mine"));
      browser.findElement(By.id("send")).click();
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("result"), "In review"));

      // rita accepts: the mask reaches labels.masks with exactly the painted pixels changed
      signIn(browser, wait, RITA, "signed in as rita (reviewer)");
      reviewAndDecide(browser, wait, "cam-p/0001", "accept", null);
      LabelMask sent = masks(kafka, topics).get("cam-p/0001");
      LabelMaps.LabelMap m =
          LabelMaps.read(LabelingBridgeIT.bytes(sent.getMask()), ClassSet.CAMVID);
      assertThat(m.ids()).isEqualTo(expected);
      long[] counts = m.histogram();
      assertThat(counts[camvid("Building")]).isEqualTo(W * H / 2);
      assertThat(counts[camvid("Car")]).isEqualTo(capsule().size());
      assertThat(counts[camvid("Sky")]).isEqualTo(W * H / 2 - capsule().size());
      assertThat(counts[camvid("Road")]).isZero();
      assertThat(sent.getLabeler()).isEqualTo("alice");
      assertThat(sent.getReviewer()).isEqualTo("rita");
      assertThat(sent.getPredictionVersion()).isEqualTo(3L);
      assertThat(sent.getChangedShare()).isEqualTo((float) painted / (W * H));
      assertThat(sent.getChangedByClass().get(camvid("Road"))).isEqualTo(W * H / 2);
      assertThat(sent.getChangedByClass().get(camvid("Sky"))).isEqualTo(capsule().size());
      assertThat(sent.getSecondsSpent()).isNotNull().isGreaterThanOrEqualTo(0f);

      // bob claims the cold-start frame, which opens empty; his claim expires and it is free again
      signIn(browser, wait, BOB, "signed in as bob");
      open(browser, wait, "cam-p/0002");
      assertThat(view(browser).getAttribute("data-prediction")).isEqualTo("none");
      assertThat(browser.findElement(By.id("edit-info")).getText())
          .contains("Started from an empty mask (no prediction yet)");
      browser.findElement(By.id("claim")).click();
      wait.until(ExpectedConditions.attributeToBe(By.id("view"), "data-claim", "mine"));
      // on a touch screen: a finger paints the same stroke; then a 10x10 polygon (4 corners, Enter)
      browser.findElement(By.tagName("body")).sendKeys("b");
      touchStroke(browser, 10.5, 10.5, 30.5, 10.5);
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(
              By.id("edit-info"), capsule().size() + " pixels changed"));
      browser.findElement(By.tagName("body")).sendKeys("p");
      click(browser, 40, 30);
      click(browser, 50, 30);
      click(browser, 50, 40);
      click(browser, 40, 40);
      browser.findElement(By.tagName("body")).sendKeys(Keys.ENTER);
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(
              By.id("edit-info"), (capsule().size() + 100) + " pixels changed"));
      signIn(browser, wait, ALICE, "signed in as alice");
      wait.until(d -> "taken".equals(item(d, "cam-p/0002").getAttribute("data-claim")));
      clock.advance(Duration.ofSeconds(601));
      browser.findElement(By.id("refresh")).click();
      wait.until(d -> "free".equals(item(d, "cam-p/0002").getAttribute("data-claim")));
      open(browser, wait, "cam-p/0002");
      assertThat(browser.findElement(By.id("claim")).isEnabled()).isTrue();

      // bob's token is revoked by deleting his line: refused at once, no restart
      signIn(browser, wait, BOB, "signed in as bob");
      Files.write(
          labelers,
          List.of(Labelers.line(ALICE, "alice", false), Labelers.line(RITA, "rita", true)));
      browser.findElement(By.id("refresh")).click();
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(By.id("queue-error"), "revoked"));
      assertThat(putMask(base, "cam-p/0002", Fixtures.idsPng(W, H, 0, 3), BOB).statusCode())
          .isEqualTo(403);
    } finally {
      browser.quit();
    }
  }

  /** The prediction with the Car stroke painted and the road filled with Building. */
  private static byte[] expectedMask() {
    byte[] ids = new byte[W * H];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (byte) (i / W < H / 2 ? camvid("Sky") : camvid("Building"));
    }
    for (int i : capsule()) {
      ids[i] = (byte) camvid("Car");
    }
    return ids;
  }

  /**
   * The pixels a size-5 brush paints from (10.5, 10.5) to (30.5, 10.5): those whose centre is
   * within 2.5 of the segment. Every pixel centre is at least 0.26 image pixels from that boundary,
   * far more than a pointer position's rounding to a CSS pixel (under 0.1 image pixels here).
   */
  private static List<Integer> capsule() {
    java.util.ArrayList<Integer> out = new java.util.ArrayList<>();
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        double px = x + 0.5;
        double py = y + 0.5;
        double t = Math.max(0, Math.min(1, (px - 10.5) / 20.0));
        double ex = px - (10.5 + 20 * t);
        double ey = py - 10.5;
        if (ex * ex + ey * ey <= 2.5 * 2.5) {
          out.add(y * W + x);
        }
      }
    }
    return out;
  }

  private static long changed(byte[] expected) {
    long n = 0;
    for (int i = 0; i < expected.length; i++) {
      if (expected[i] != (byte) (i / W < H / 2 ? camvid("Sky") : camvid("Road"))) {
        n++;
      }
    }
    return n;
  }

  private static void signIn(WebDriver b, WebDriverWait wait, String token, String who) {
    WebElement t = b.findElement(By.id("token"));
    t.clear();
    t.sendKeys(token, Keys.TAB); // change event: the page asks who this is and reloads the queue
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("me"), who));
  }

  private static void waitForQueue(WebDriver b, WebDriverWait wait, int n) {
    // the stores may still be restoring at first
    wait.until(
        d -> {
          if (d.findElements(By.cssSelector("#queue li")).size() < n) {
            d.findElement(By.id("refresh")).click();
            return false;
          }
          return true;
        });
  }

  private static List<String> queue(WebDriver b) {
    return b.findElements(By.cssSelector("#queue li")).stream()
        .map(e -> e.getAttribute("data-frame"))
        .toList();
  }

  private static WebElement item(WebDriver b, String frame) {
    return b.findElement(By.cssSelector("#queue li[data-frame='" + frame + "']"));
  }

  private static String itemText(WebDriverWait wait, String frame) {
    return wait.until(d -> item(d, frame).getText());
  }

  private static WebElement view(WebDriver b) {
    return b.findElement(By.id("view"));
  }

  private static void open(WebDriver b, WebDriverWait wait, String frame) {
    // find and click in one step, again if the queue was redrawn in between (a stale element:
    // the page reloads its queue after a sign-in and every 10 s)
    wait.until(
        d -> {
          item(d, frame).click();
          return true;
        });
    wait.until(ExpectedConditions.attributeToBe(By.id("view"), "data-frame", frame));
  }

  private static void reviewAndDecide(
      WebDriver b, WebDriverWait wait, String frame, String decision, String comment) {
    By li = By.cssSelector("#reviews li[data-frame='" + frame + "']");
    wait.until(
        d -> {
          if (d.findElements(li).isEmpty()) {
            d.findElement(By.id("refresh")).click();
            return false;
          }
          return true;
        });
    wait.until(
        d -> {
          d.findElement(li).click();
          return true;
        });
    wait.until(ExpectedConditions.attributeToBe(By.id("view"), "data-frame", frame));
    assertThat(view(b).getAttribute("data-mode")).isEqualTo("review");
    if (comment != null) {
      b.findElement(By.id("review-comment")).sendKeys(comment);
    }
    b.findElement(By.id(decision)).click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("review-result"), decision.equals("accept") ? "Accepted" : "Sent back"));
  }

  /**
   * Where image point (x, y) is in the viewport (what a pointer's position is measured in): the
   * editor fits the frame in its 960x640 canvas, centred, and the page may show the canvas scaled.
   * The canvas is scrolled into view first.
   */
  private static int[] at(WebDriver b, double x, double y) {
    @SuppressWarnings("unchecked")
    Map<String, Number> r =
        (Map<String, Number>)
            ((JavascriptExecutor) b)
                .executeScript(
                    "const v = document.getElementById('view');"
                        + "v.scrollIntoView({block: 'center'});"
                        + "const r = v.getBoundingClientRect();"
                        + "return {left: r.left + v.clientLeft, top: r.top + v.clientTop,"
                        + " w: v.clientWidth};");
    double k = r.get("w").doubleValue() / 960;
    double scale = Math.min(960.0 / W, 640.0 / H);
    double ox = (960 - W * scale) / 2;
    double oy = (640 - H * scale) / 2;
    return new int[] {
      (int) Math.round(r.get("left").doubleValue() + (ox + x * scale) * k),
      (int) Math.round(r.get("top").doubleValue() + (oy + y * scale) * k)
    };
  }

  private static void drag(WebDriver b, double x0, double y0, double x1, double y1) {
    int[] from = at(b, x0, y0);
    int[] to = at(b, x1, y1);
    new Actions(b)
        .moveToLocation(from[0], from[1])
        .clickAndHold()
        .moveToLocation(to[0], to[1])
        .release()
        .perform();
  }

  /** A one-finger touch stroke, as W3C touch pointer actions (pointerType "touch"). */
  private static void touchStroke(WebDriver b, double x0, double y0, double x1, double y1) {
    int[] from = at(b, x0, y0);
    int[] to = at(b, x1, y1);
    PointerInput finger = new PointerInput(PointerInput.Kind.TOUCH, "finger");
    Sequence s = new Sequence(finger, 0);
    s.addAction(
        finger.createPointerMove(Duration.ZERO, PointerInput.Origin.viewport(), from[0], from[1]));
    s.addAction(finger.createPointerDown(PointerInput.MouseButton.LEFT.asArg()));
    s.addAction(
        finger.createPointerMove(
            Duration.ofMillis(200), PointerInput.Origin.viewport(), to[0], to[1]));
    s.addAction(finger.createPointerUp(PointerInput.MouseButton.LEFT.asArg()));
    ((org.openqa.selenium.interactions.Interactive) b).perform(List.of(s));
  }

  private static void click(WebDriver b, double x, double y) {
    int[] p = at(b, x, y);
    new Actions(b).moveToLocation(p[0], p[1]).click().perform();
  }

  /** The canvas's pixel over image pixel (x, y). */
  @SuppressWarnings("unchecked")
  private static List<Long> pixelAt(WebDriver b, int x, int y) {
    double scale = Math.min(960.0 / W, 640.0 / H);
    double ox = (960 - W * scale) / 2;
    double oy = (640 - H * scale) / 2;
    return (List<Long>)
        ((JavascriptExecutor) b)
            .executeScript(
                "const d = document.getElementById('view').getContext('2d')"
                    + ".getImageData(arguments[0], arguments[1], 1, 1).data;"
                    + "return [d[0], d[1], d[2]];",
                (int) (ox + (x + 0.5) * scale),
                (int) (oy + (y + 0.5) * scale));
  }

  private static void screenshot(WebDriver b, String name) throws Exception {
    Path dir = Path.of("target", "screenshots");
    Files.createDirectories(dir);
    Files.write(dir.resolve(name), ((TakesScreenshot) b).getScreenshotAs(OutputType.BYTES));
  }

  private HttpResponse<String> putMask(String base, String frame, byte[] png, String token)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create(
                    base + "/api/mask?frame=" + URLEncoder.encode(frame, StandardCharsets.UTF_8)))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "image/png")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(png))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static Map<String, LabelMask> masks(KafkaBroker kafka, TopicCatalog topics) {
    return BridgeTestSupport.masks(kafka, topics, 1);
  }
}
