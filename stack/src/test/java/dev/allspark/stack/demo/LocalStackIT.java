package dev.allspark.stack.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.allspark.ops.settings.SettingsBuilder;
import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.Segmentation;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.testkit.HeadlessChromium;
import dev.allspark.testkit.TopicReader;
import dev.allspark.trainer.online.OnlineTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The whole loop on the local stack, as {@code bin/allspark demo} runs it (small model, small
 * frames, short run): frames in, label requests answered through the bridge, a checkpoint
 * published, inference swapping to it, exactly one result per frame with the version that made it;
 * and the dashboard in headless Chromium.
 */
class LocalStackIT {
  /**
   * A demo small enough for a test: the tiny model at 96x72, 3 frames per second a camera, the
   * simulated labelers answering in 0.2 s for 30 % of the frames, the dashboard on a free port; one
   * camera of 96x72 frames, a checkpoint every 10 steps from 4 labels, seed 11.
   */
  static SettingsBuilder<DemoSettings> small(Path state) {
    return DemoSettings.builder(state)
        .set(DemoSettings.Key.MODEL, "tiny")
        .set(DemoSettings.Key.MODEL_SIZE, "96x72")
        .set(DemoSettings.Key.FPS, 3)
        .set(DemoSettings.Key.LABEL_DELAY, 0.2)
        .set(DemoSettings.Key.LABEL_FRACTION, 0.3)
        .set(DemoSettings.Key.PORT, 0)
        .set(DemoSettings.Key.CAMERAS, 1)
        .set(DemoSettings.Key.SIZE, "96x72")
        .set(DemoSettings.Key.MIN_LABELS, 4)
        .set(DemoSettings.Key.EVAL_EVERY, 10)
        .set(DemoSettings.Key.SEED, 11);
  }

  @Test
  void framesLabelsCheckpointsAndSwapsMakeOneResultPerFrame(@TempDir Path tmp) throws Exception {
    DemoSettings settings =
        small(tmp.resolve("state"))
            .set(DemoSettings.Key.CAMERAS, 2)
            .set(DemoSettings.Key.SIZE, "160x120")
            .set(DemoSettings.Key.MIN_LABELS, 6)
            .set(DemoSettings.Key.EVAL_EVERY, 20)
            .set(DemoSettings.Key.SEED, 7)
            .build();
    try (LocalStack stack = new LocalStack(settings)) {
      // the loop closes: labels -> published checkpoints -> inference serves a later version
      await()
          .atMost(Duration.ofMinutes(6))
          .pollInterval(Duration.ofSeconds(2))
          .until(
              () ->
                  stack.trainer().publishedVersion() >= 3
                      && stack.inference().progress().modelVersion() >= 3);
      StackStatus status = stack.status();
      assertThat(status.labelsSent()).isGreaterThanOrEqualTo(6);
      assertThat(status.inference().swaps()).isGreaterThanOrEqualTo(2);

      // the dashboard shows frames with their overlay and the mIoU chart
      dashboard(stack, tmp);

      // stop the fleet, let inference finish the stream
      stack.ingest().close();
      long sent = stack.ingest().framesSent();
      await()
          .atMost(Duration.ofMinutes(3))
          .until(() -> stack.inference().progress().frames() >= sent);

      Set<String> frames = new HashSet<>();
      for (ConsumerRecord<String, byte[]> r : read(stack, "camera.frames", sent)) {
        frames.add(new AvroSerde<>(CameraFrame.class).decode(r).getFrameId());
      }
      assertThat(frames).hasSize((int) sent);
      Map<String, Integer> results = new HashMap<>();
      Map<Integer, List<Long>> versionsByPartition = new HashMap<>();
      AvroSerde<Segmentation> serde = new AvroSerde<>(Segmentation.class);
      for (ConsumerRecord<String, byte[]> r : read(stack, "segmentations", sent)) {
        Segmentation s = serde.decode(r);
        results.merge(s.getFrameId(), 1, Integer::sum);
        versionsByPartition
            .computeIfAbsent(r.partition(), p -> new ArrayList<>())
            .add(s.getModelVersion());
      }
      // exactly one result per frame
      assertThat(results.keySet()).isEqualTo(frames);
      assertThat(results.values()).allMatch(n -> n == 1);
      // every result names its version; a partition's versions never go back; later results
      // carry the newer models
      List<Long> all = versionsByPartition.values().stream().flatMap(List::stream).toList();
      assertThat(all).allMatch(v -> v >= 1);
      assertThat(all.stream().distinct().count()).isGreaterThanOrEqualTo(2);
      for (List<Long> versions : versionsByPartition.values()) {
        assertThat(versions).isSorted();
      }
      assertThat(all.stream().mapToLong(Long::longValue).max().getAsLong())
          .isGreaterThanOrEqualTo(3);

      // validation mIoU rose while it learned
      List<OnlineTrainer.Validation> v = stack.trainer().validations();
      double best = v.stream().mapToDouble(OnlineTrainer.Validation::miou).max().orElse(0);
      assertThat(best).as("validations %s", v).isGreaterThan(v.get(0).miou() + 0.03);
    }
  }

  private static void dashboard(LocalStack stack, Path tmp) throws Exception {
    WebDriver browser = HeadlessChromium.start(tmp.resolve("profile"));
    try {
      browser.get("http://localhost:" + stack.dashboardPort() + "/");
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(90));
      wait.until(
          d -> !d.findElements(By.cssSelector("figure.result[data-overlay='drawn']")).isEmpty());
      wait.until(
          d -> {
            String points = d.findElement(By.id("miou-chart")).getAttribute("data-points");
            return points != null && Integer.parseInt(points) >= 2;
          });
      String caption = browser.findElement(By.cssSelector("figure.result figcaption")).getText();
      assertThat(caption).containsPattern("synthetic-c\\d/\\d+ · model v\\d+");
      assertThat(browser.findElements(By.cssSelector("#miou-chart circle.point")).size())
          .isGreaterThanOrEqualTo(2);
      assertThat(browser.findElement(By.id("versions")).getText()).contains("v1: published");
      assertThat(browser.findElement(By.id("numbers")).getText()).contains("serving version");
      // the colours of the masks, named: the deployment's class set
      assertThat(browser.findElement(By.id("legend")).getText())
          .startsWith("class set camvid-11:")
          .contains("Road")
          .contains("Bicyclist");
      assertThat(browser.findElements(By.cssSelector("#legend span.class"))).hasSize(11);
      Path shot = Path.of("target", "dashboard.png");
      Files.createDirectories(shot.getParent());
      Files.write(shot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    } finally {
      browser.quit();
    }
  }

  private static List<ConsumerRecord<String, byte[]>> read(
      LocalStack stack, String topic, long expected) {
    return TopicReader.read(stack.bootstrap(), topic, expected, Duration.ofSeconds(60));
  }
}
