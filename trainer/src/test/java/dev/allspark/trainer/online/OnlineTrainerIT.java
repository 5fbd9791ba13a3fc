package dev.allspark.trainer.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.ndarray.NDManager;
import dev.allspark.model.Checkpoint;
import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.CameraFrames;
import dev.allspark.schemas.CheckpointManifest;
import dev.allspark.schemas.ImageEncoding;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.LabeledFrame;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.CheckpointTopic;
import dev.allspark.schemas.kafka.DeadLetters;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.kafka.TopicsInitializer;
import dev.allspark.testkit.KafkaBroker;
import dev.allspark.testkit.KafkaIntegrationTest;
import dev.allspark.testkit.TopicReader;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The online trainer against a real broker, tiny model, synthetic street scenes. */
@KafkaIntegrationTest
class OnlineTrainerIT {
  static final int W = 80;
  static final int H = 60;

  /** Topics of one test, with frames and labels on them. */
  static final class Stream implements AutoCloseable {
    final KafkaBroker kafka;
    final TopicCatalog topics;
    final KafkaProducer<String, byte[]> producer;
    final AvroSerde<CameraFrame> frames = new AvroSerde<>(CameraFrame.class);
    final AvroSerde<LabeledFrame> labeled = new AvroSerde<>(LabeledFrame.class);

    Stream(KafkaBroker kafka) throws Exception {
      this.kafka = kafka;
      topics = TopicsInitializer.ensure(kafka.bootstrapServers(), TopicCatalog.unique("trn"));
      producer =
          new KafkaProducer<>(
              Map.of("bootstrap.servers", kafka.bootstrapServers(), "max.request.size", 8 << 20),
              new StringSerializer(),
              new ByteArraySerializer());
    }

    Map<String, String> settings(Path state) {
      Map<String, String> s = OnlineSettings.defaults(kafka.bootstrapServers());
      s.putAll(topics.environment());
      s.put("ALLSPARK_TRAINER_GROUP", "trainer-" + topics.name(Topic.CAMERA_FRAMES));
      s.put("ALLSPARK_TRAINER_STATE_DIR", state.toString());
      s.put("ALLSPARK_TRAINER_MODEL", "tiny");
      s.put("ALLSPARK_TRAINER_CROP", "49");
      s.put("ALLSPARK_TRAINER_BATCH", "2");
      s.put("ALLSPARK_TRAINER_TRAIN_SIZE", W + "x" + H);
      s.put("ALLSPARK_TRAINER_MIN_LABELS", "10");
      s.put("ALLSPARK_TRAINER_HOLDOUT_FRACTION", "0.2");
      s.put("ALLSPARK_TRAINER_WINDOW", "64");
      s.put("ALLSPARK_TRAINER_WINDOW_SAMPLE", "1");
      s.put("ALLSPARK_TRAINER_LR", "0.02");
      s.put("ALLSPARK_TRAINER_LR_WARMUP", "5");
      s.put("ALLSPARK_TRAINER_MEMORY_WARMUP", "10");
      s.put("ALLSPARK_TRAINER_EVAL_EVERY", "15");
      s.put("ALLSPARK_TRAINER_SAVE_EVERY", "5");
      s.put("ALLSPARK_TRAINER_MARGIN", "1");
      s.put("ALLSPARK_TRAINER_HTTP_PORT", "0");
      return s;
    }

    /** A trainer on these topics, its state in {@code state}; {@code overrides} are env, value. */
    OnlineTrainer trainer(Path state, String... overrides) {
      Map<String, String> s = settings(state);
      for (int i = 0; i < overrides.length; i += 2) {
        s.put(overrides[i], overrides[i + 1]);
      }
      return new OnlineTrainer(OnlineSettings.from(s)).start();
    }

    /** A street scene and its exact label map: sky 0, building 1, road 3, car 8. */
    static BufferedImage[] scene(Random rng) {
      BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
      BufferedImage mask = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_GRAY);
      int horizon = H / 3 + rng.nextInt(H / 4);
      int bx = rng.nextInt(W / 2);
      int cx = rng.nextInt(W - 20);
      for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
          int c;
          Color col;
          if (y >= horizon + 8 && y < horizon + 20 && x >= cx && x < cx + 20) {
            c = 8;
            col = new Color(200, 20, 20);
          } else if (y >= horizon) {
            c = 3;
            col = new Color(90, 90, 100);
          } else if (x >= bx && x < bx + 25 && y > horizon / 3) {
            c = 1;
            col = new Color(150, 110, 60);
          } else {
            c = 0;
            col = new Color(110, 170, 240);
          }
          int n = rng.nextInt(21) - 10;
          img.setRGB(
              x,
              y,
              new Color(
                      clamp(col.getRed() + n), clamp(col.getGreen() + n), clamp(col.getBlue() + n))
                  .getRGB());
          mask.getRaster().setSample(x, y, 0, c);
        }
      }
      return new BufferedImage[] {img, mask};
    }

    static int clamp(int v) {
      return Math.max(0, Math.min(255, v));
    }

    static byte[] png(BufferedImage image) throws Exception {
      return dev.allspark.schemas.images.Images.png(image);
    }

    static CameraFrame frame(String id, byte[] png) {
      return frame(id, png, W, H);
    }

    static CameraFrame frame(String id, byte[] png, int w, int h) {
      return CameraFrames.capturedNow(id, "v1", "front", ImageEncoding.PNG, png, w, h);
    }

    static LabeledFrame labeledFrame(String id, byte[] image, byte[] mask, int w, int h) {
      return labeledFrame(id, image, W, H, mask, w, h);
    }

    static LabeledFrame labeledFrame(
        String id, byte[] image, int frameW, int frameH, byte[] mask, int w, int h) {
      return LabeledFrame.newBuilder()
          .setFrameId(id)
          .setFrame(frame(id, image, frameW, frameH))
          .setMask(
              LabelMask.newBuilder()
                  .setFrameId(id)
                  .setMask(ByteBuffer.wrap(mask))
                  .setWidth(w)
                  .setHeight(h)
                  .setClassSetVersion("camvid-11")
                  .setLabeler("test")
                  .setLabeledAt(Instant.now())
                  .build())
          .build();
    }

    void send(int unlabeled, int labeledCount, long seed) throws Exception {
      Random rng = new Random(seed);
      for (int i = 0; i < unlabeled; i++) {
        BufferedImage[] sc = scene(rng);
        String id = "u" + seed + "-" + i;
        producer.send(
            new ProducerRecord<>(
                topics.name(Topic.CAMERA_FRAMES), "front", frames.encode(frame(id, png(sc[0])))));
      }
      for (int i = 0; i < labeledCount; i++) {
        BufferedImage[] sc = scene(rng);
        String id = "l" + seed + "-" + i;
        producer.send(
            new ProducerRecord<>(
                topics.name(Topic.FRAMES_LABELED),
                id,
                labeled.encode(labeledFrame(id, png(sc[0]), png(sc[1]), W, H))));
      }
      producer.flush();
    }

    /** Every complete checkpoint on model.checkpoints, in order. */
    List<CheckpointTopic.Published> checkpoints() {
      CheckpointTopic.Reader reader = CheckpointTopic.Reader.files();
      List<CheckpointTopic.Published> out = new ArrayList<>();
      for (ConsumerRecord<String, byte[]> r :
          TopicReader.readToEnd(kafka.bootstrapServers(), topics.name(Topic.MODEL_CHECKPOINTS))) {
        if (reader.accept(r) instanceof CheckpointTopic.Complete done) {
          out.add(done.checkpoint());
        }
      }
      return out;
    }

    @Override
    public void close() {
      producer.close();
    }
  }

  @Test
  void publishesIncreasingVersionsWithCompleteManifestsAndRoutesBadLabelsToTheDlq(
      KafkaBroker kafka, @TempDir Path state) throws Exception {
    try (Stream stream = new Stream(kafka)) {
      stream.send(40, 30, 1);
      // two bad labeled frames: a mask of the wrong size and an unknown class id
      BufferedImage[] sc = Stream.scene(new Random(9));
      BufferedImage small = new BufferedImage(40, 30, BufferedImage.TYPE_BYTE_GRAY);
      BufferedImage unknown = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_GRAY);
      unknown.getRaster().setSample(5, 5, 0, 40);
      for (var bad :
          List.of(
              Stream.labeledFrame("bad-size", Stream.png(sc[0]), Stream.png(small), 40, 30),
              Stream.labeledFrame("bad-class", Stream.png(sc[0]), Stream.png(unknown), W, H))) {
        stream.producer.send(
            new ProducerRecord<>(
                stream.topics.name(Topic.FRAMES_LABELED),
                bad.getFrameId(),
                stream.labeled.encode(bad)));
      }
      stream.producer.flush();
      try (OnlineTrainer trainer = stream.trainer(state)) {
        await().atMost(Duration.ofMinutes(4)).until(() -> trainer.published().size() >= 2);
        assertThat(trainer.refusedCount()).as("updates the gradient guard refused").isZero();
      }
      List<CheckpointTopic.Published> published = stream.checkpoints();
      assertThat(published.size()).isGreaterThanOrEqualTo(2);
      long last = 0;
      for (CheckpointTopic.Published p : published) {
        CheckpointManifest m = p.manifest();
        assertThat(m.getVersion()).isGreaterThan(last);
        if (last > 0) {
          assertThat(m.getParentVersion()).isEqualTo(last);
        }
        last = m.getVersion();
        assertThat(m.getSha256()).isEqualTo(CheckpointTopic.sha256(p.file()));
        assertThat(m.getSizeBytes()).isEqualTo(p.file().length);
        assertThat(m.getMetrics())
            .containsKeys("val.mIoU", "step", "labels.train", "labels.heldOut");
        assertThat(m.getWatermark())
            .extracting(w -> w.getTopic())
            .contains(
                stream.topics.name(Topic.FRAMES_LABELED), stream.topics.name(Topic.CAMERA_FRAMES));
        assertThat(m.getFormat()).isEqualTo(Checkpoint.FORMAT);
        // the loader the inference service uses reads it
        Checkpoint ckpt = Checkpoint.fromBytes(p.file());
        try (NDManager manager = NDManager.newBaseManager()) {
          assertThat(ckpt.instantiate(manager).config().numClasses()).isEqualTo(11);
        }
      }
      // bad labels went to the DLQ with their reasons
      try (KafkaConsumer<String, byte[]> dlq =
          new KafkaConsumer<>(
              Map.of(
                  "bootstrap.servers",
                  kafka.bootstrapServers(),
                  "group.id",
                  "dlq-" + UUID.randomUUID(),
                  "auto.offset.reset",
                  "earliest"),
              new StringDeserializer(),
              new ByteArrayDeserializer())) {
        dlq.subscribe(List.of(stream.topics.name(Topic.FRAMES_LABELED_DLQ)));
        Map<String, String> reasons = new HashMap<>();
        Map<String, String> codes = new HashMap<>();
        long end = System.nanoTime() + 10_000_000_000L;
        while (reasons.size() < 2 && System.nanoTime() < end) {
          for (ConsumerRecord<String, byte[]> r : dlq.poll(Duration.ofMillis(200))) {
            reasons.put(r.key(), DeadLetters.reason(r.headers()));
            codes.put(r.key(), DeadLetters.code(r.headers()));
          }
        }
        // the mask rules and their wording are the bridge's (MaskCheck)
        assertThat(reasons.get("bad-size")).contains("mask is 40x30 but frame bad-size is 80x60");
        assertThat(codes)
            .containsEntry("bad-size", "bad-mask")
            .containsEntry("bad-class", "bad-mask");
        assertThat(reasons.get("bad-class"))
            .contains("class id 40 at (5, 5) is not a camvid-11 class");
      }
    }
  }

  @Test
  void aCheckpointWorseThanTheMarginAllowsIsWithheld(KafkaBroker kafka, @TempDir Path state)
      throws Exception {
    try (Stream stream = new Stream(kafka)) {
      stream.send(30, 25, 2);
      // every checkpoint after the first must beat the last published mIoU by 1.0: impossible
      try (OnlineTrainer trainer = stream.trainer(state, "ALLSPARK_TRAINER_MARGIN", "-1")) {
        await().atMost(Duration.ofMinutes(4)).until(() -> trainer.withheldCount() >= 2);
        assertThat(trainer.published()).hasSize(1);
      }
      assertThat(stream.checkpoints()).hasSize(1);
    }
  }

  @Test
  void afterAKillItResumesAtTheSavedStepWithItsMemoryAndPublishesAHigherVersion(
      KafkaBroker kafka, @TempDir Path state) throws Exception {
    try (Stream stream = new Stream(kafka)) {
      stream.send(40, 30, 3);
      OnlineTrainer first = stream.trainer(state);
      await().atMost(Duration.ofMinutes(4)).until(() -> !first.published().isEmpty());
      long firstVersion = first.published().get(0);
      // the state saved after the publication (every 5 steps) records it
      await()
          .atMost(Duration.ofMinutes(1))
          .until(
              () ->
                  Checkpoint.read(state.resolve(OnlineTrainer.STATE_FILE))
                      .info()
                      .get("publishedVersion")
                      .equals(Long.toString(firstVersion)));
      first.halt(); // no save on the way out
      Checkpoint saved = Checkpoint.read(state.resolve(OnlineTrainer.STATE_FILE));
      assertThat(saved.step()).isGreaterThanOrEqualTo(15);
      assertThat(saved.info().get("publishedVersion")).isEqualTo(Long.toString(firstVersion));
      try (OnlineTrainer second = stream.trainer(state)) {
        await().atMost(Duration.ofMinutes(1)).until(() -> second.resumedStep() >= 0);
        assertThat(second.resumedStep()).isEqualTo(saved.step());
        assertThat(second.resumedMemory()).containsExactly(saved.memoryQueue());
        await().atMost(Duration.ofMinutes(4)).until(() -> !second.published().isEmpty());
        assertThat(second.published().get(0)).isGreaterThan(firstVersion);
        assertThat(second.step()).isGreaterThan(saved.step());
      }
      assertThat(Files.exists(state.resolve(OnlineTrainer.STATE_FILE))).isTrue();
    }
  }

  /**
   * Labels imported while the trainer trains reach it within seconds. Each labeled frame here is a
   * 640x480 noise image (about a megabyte as PNG), so a fetch holds many megabytes: a consumer
   * polled only between steps without waiting never completed such a fetch (issue 13).
   */
  @Test
  void labelsArrivingWhileItTrainsAreSeenWithinSeconds(KafkaBroker kafka, @TempDir Path state)
      throws Exception {
    try (Stream stream = new Stream(kafka)) {
      stream.send(40, 30, 4);
      try (OnlineTrainer trainer =
          stream.trainer(
              state,
              "ALLSPARK_TRAINER_EVAL_EVERY",
              "1000",
              "ALLSPARK_TRAINER_SAVE_EVERY",
              "1000")) {
        await().atMost(Duration.ofMinutes(2)).until(() -> trainer.step() >= 5);
        long before = trainer.labelsSeen();
        Random rng = new Random(5);
        int w = 640;
        int h = 480;
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          BufferedImage noise = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
          BufferedImage mask = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
          for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
              noise.setRGB(x, y, rng.nextInt(1 << 24));
              mask.getRaster().setSample(x, y, 0, y < h / 2 ? 0 : 3);
            }
          }
          String id = "late-" + i;
          records.add(
              stream.labeled.encode(
                  Stream.labeledFrame(id, Stream.png(noise), w, h, Stream.png(mask), w, h)));
        }
        long sent = System.nanoTime();
        for (int i = 0; i < records.size(); i++) {
          stream.producer.send(
              new ProducerRecord<>(
                  stream.topics.name(Topic.FRAMES_LABELED), "late-" + i, records.get(i)));
        }
        stream.producer.flush();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> trainer.labelsSeen() >= before + records.size());
        assertThat(trainer.labelsRejected()).as("labels refused").isZero();
        long seconds = (System.nanoTime() - sent) / 1_000_000_000L;
        assertThat(trainer.step()).as("it kept training meanwhile").isGreaterThan(5);
        assertThat(seconds).isLessThan(30);
        assertThat(trainer.live()).isTrue();
      }
    }
  }
}
