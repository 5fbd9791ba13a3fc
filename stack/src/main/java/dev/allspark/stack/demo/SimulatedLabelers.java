package dev.allspark.stack.demo;

import dev.allspark.ingest.SyntheticFleet;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.ConsumerLoop;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.schemas.labels.LabelMaps;
import java.io.IOException;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's labeling team: reads {@code frames.to-label} like a labeler's queue and, after a
 * delay, answers each request with the ground truth through the bridge's HTTP API (token and all),
 * so masks take the production path: validation, {@code labels.masks}, the join, {@code
 * frames.labeled}.
 */
final class SimulatedLabelers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SimulatedLabelers.class);

  /** Ground truth for a frame: a PNG of class ids, or null when there is none. */
  interface GroundTruth {
    byte[] maskPng(String frameId) throws IOException;
  }

  /** The synthetic fleet redraws any of its frames from the id: the labels are exact. */
  static GroundTruth synthetic(long seed, int width, int height) {
    SyntheticFleet fleet = new SyntheticFleet(seed, width, height);
    Pattern id = Pattern.compile("synthetic-c(\\d+)/(\\d+)");
    return frameId -> {
      Matcher m = id.matcher(frameId);
      if (!m.matches()) {
        return null;
      }
      int[] labels = fleet.scene(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2))).labels();
      byte[] ids = new byte[labels.length];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = (byte) labels[i];
      }
      return LabelMaps.grayPng(new LabelMaps.LabelMap(width, height, ids));
    };
  }

  /**
   * CamVid: frame {@code <camera>/<name>[#pass]} has its labels in {@code annotations/<name>.png}.
   */
  static GroundTruth camvid(Path annotations) {
    return frameId -> {
      String name = frameId.substring(frameId.lastIndexOf('/') + 1);
      int hash = name.indexOf('#');
      if (hash >= 0) {
        name = name.substring(0, hash);
      }
      Path file = annotations.resolve(name + ".png");
      return Files.isRegularFile(file) ? Files.readAllBytes(file) : null;
    };
  }

  /**
   * Cityscapes: frame {@code <city>_<seq>/<city>_<seq>_<frame>_leftImg8bit[#pass]} has its labels
   * in {@code gtFine/<city>/<city>_<seq>_<frame>_gtFine_labelIds.png}: raw label ids, mapped to the
   * class set's train ids (void where Cityscapes does not train).
   */
  static GroundTruth cityscapes(Path gtFine, ClassSet classes) {
    return frameId -> {
      String name = frameId.substring(frameId.lastIndexOf('/') + 1);
      int hash = name.indexOf('#');
      if (hash >= 0) {
        name = name.substring(0, hash);
      }
      if (!name.endsWith("_leftImg8bit")) {
        return null;
      }
      String stem = name.substring(0, name.length() - "_leftImg8bit".length());
      Path file =
          gtFine
              .resolve(stem.substring(0, stem.indexOf('_')))
              .resolve(stem + "_gtFine_labelIds.png");
      if (!Files.isRegularFile(file)) {
        return null;
      }
      java.awt.image.BufferedImage raw = javax.imageio.ImageIO.read(file.toFile());
      java.awt.image.Raster r = raw.getRaster();
      byte[] ids = new byte[raw.getWidth() * raw.getHeight()];
      for (int y = 0; y < raw.getHeight(); y++) {
        for (int x = 0; x < raw.getWidth(); x++) {
          ids[y * raw.getWidth() + x] = (byte) classes.train(r.getSample(x, y, 0));
        }
      }
      return LabelMaps.grayPng(new LabelMaps.LabelMap(raw.getWidth(), raw.getHeight(), ids));
    };
  }

  private final String topic;
  private final GroundTruth truth;
  private final long delayMillis;
  private final String bridgeUrl;
  private final String token;
  private final HttpClient http = HttpClient.newHttpClient();
  private final AvroSerde<LabelRequest> serde = new AvroSerde<>(LabelRequest.class);
  private final ScheduledExecutorService answers =
      Executors.newSingleThreadScheduledExecutor(dev.allspark.ops.Threads.daemons("demo-labelers"));
  private final ConsumerLoop reader;
  private final AtomicLong requested = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();

  SimulatedLabelers(
      String bootstrap,
      TopicCatalog topics,
      GroundTruth truth,
      long delayMillis,
      String bridgeUrl,
      String token) {
    this.topic = topics.name(Topic.FRAMES_TO_LABEL);
    this.truth = truth;
    this.delayMillis = delayMillis;
    this.bridgeUrl = bridgeUrl;
    this.token = token;
    this.reader =
        new ConsumerLoop(
            "demo-labelers-queue",
            ConsumerLoop.config(bootstrap, "allspark-demo-labelers", "earliest", false),
            this::read);
  }

  SimulatedLabelers start() {
    reader.start();
    return this;
  }

  long requested() {
    return requested.get();
  }

  long sent() {
    return sent.get();
  }

  long refused() {
    return refused.get();
  }

  private void read(KafkaConsumer<String, byte[]> consumer, BooleanSupplier running) {
    consumer.subscribe(List.of(topic));
    while (running.getAsBoolean()) {
      for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
        requested.incrementAndGet();
        String frameId = r.key() != null ? r.key() : serde.decode(r).getFrameId();
        answers.schedule(() -> answer(frameId, 0), delayMillis, TimeUnit.MILLISECONDS);
      }
    }
  }

  private void answer(String frameId, int attempt) {
    try {
      byte[] png = truth.maskPng(frameId);
      if (png == null) {
        refused.incrementAndGet();
        log.warn("no ground truth for {}: left unlabeled", frameId);
        return;
      }
      HttpResponse<String> res =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          bridgeUrl
                              + "/api/mask?frame="
                              + URLEncoder.encode(frameId, StandardCharsets.UTF_8)))
                  .header("Authorization", "Bearer " + token)
                  .header("Content-Type", "image/png")
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(png))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (res.statusCode() == 202) {
        sent.incrementAndGet();
      } else if ((res.statusCode() == 503 || res.statusCode() == 404)
          && attempt < 10
          && reader.running()) {
        // the bridge is still restoring its stores, or its table has not seen the request yet
        answers.schedule(() -> answer(frameId, attempt + 1), 1, TimeUnit.SECONDS);
      } else if (res.statusCode() == 409) {
        // a person claimed the frame on the labeling page: it is theirs to label
        log.info("{} is claimed by a person on the page: left to them", frameId);
      } else {
        refused.incrementAndGet();
        log.warn("mask for {} refused ({}): {}", frameId, res.statusCode(), res.body());
      }
    } catch (IOException | RuntimeException e) {
      refused.incrementAndGet();
      log.warn("mask for {} not sent: {}", frameId, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    reader.close();
    answers.shutdownNow();
  }
}
