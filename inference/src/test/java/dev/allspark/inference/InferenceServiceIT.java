package dev.allspark.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.allspark.ops.PrometheusText;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.Segmentation;
import dev.allspark.schemas.kafka.DeadLetters;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.testkit.KafkaBroker;
import dev.allspark.testkit.KafkaIntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

/** The inference service against a real broker with a tiny model. */
@KafkaIntegrationTest
class InferenceServiceIT {

  private static List<Segmentation> results(
      InferenceFixture f, List<ConsumerRecord<String, byte[]>> records) {
    List<Segmentation> out = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      Segmentation s = f.segmentations.decode(r);
      assertThat(r.key()).isEqualTo(s.getFrameId());
      out.add(s);
    }
    return out;
  }

  private static Set<String> ids(List<Segmentation> results) {
    Set<String> ids = new HashSet<>();
    for (Segmentation s : results) {
      ids.add(s.getFrameId());
    }
    return ids;
  }

  @Test
  void everyFrameGetsExactlyOneResultAlsoAcrossAnAbruptStop(KafkaBroker kafka) throws Exception {
    try (InferenceFixture f = new InferenceFixture(kafka)) {
      f.publishVersion(1);
      f.sendFrames(0, 500, 5, new Random(1));
      InferenceService first = f.start(f.settings("replica-a"));
      // let it commit part of the stream, then stop it without any clean shutdown
      List<ConsumerRecord<String, byte[]>> seen =
          InferenceFixture.drain(f.results(), 120, Duration.ofSeconds(120), Duration.ZERO);
      assertThat(seen.size()).isGreaterThanOrEqualTo(120).isLessThan(500);
      first.halt();
      // the replacement (same replica id, as a restarted pod) aborts what was left open
      try (InferenceService second = f.start(f.settings("replica-a"))) {
        seen.addAll(
            InferenceFixture.drain(
                f.results(), 500 - seen.size(), Duration.ofSeconds(180), Duration.ofSeconds(3)));
        List<Segmentation> results = results(f, seen);
        assertThat(ids(results)).hasSize(500);
        assertThat(results).as("one committed result per frame, no duplicate").hasSize(500);
        for (Segmentation s : results) {
          assertThat(s.getModelVersion()).isEqualTo(1);
          assertThat(s.getWidth()).isEqualTo(80);
          assertThat(s.getHeight()).isEqualTo(60);
          long pixels = s.getClassPixelCounts().stream().mapToLong(Long::longValue).sum();
          assertThat(pixels).isEqualTo(80 * 60);
          assertThat(s.getMeanConfidence()).isBetween(0f, 1f);
          assertThat(s.getUncertainty()).isGreaterThanOrEqualTo(0f);
          assertThat(s.getTimings().getProduced()).isAfterOrEqualTo(s.getTimings().getModelDone());
          assertThat(s.getTimings().getModelDone()).isAfterOrEqualTo(s.getTimings().getReceived());
        }
        // the mask is a PNG of class ids at the frame's size, matching the counts
        Segmentation one = results.get(0);
        ByteBuffer mask = one.getMask();
        byte[] png = new byte[mask.remaining()];
        mask.duplicate().get(png);
        var image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
        assertThat(image.getWidth()).isEqualTo(80);
        long[] counts = new long[11];
        for (int y = 0; y < 60; y++) {
          for (int x = 0; x < 80; x++) {
            counts[image.getRaster().getSample(x, y, 0)]++;
          }
        }
        assertThat(counts)
            .containsExactly(
                one.getClassPixelCounts().stream().mapToLong(Long::longValue).toArray());

        // label requests: within the budget (2% of frames), each naming why and which model
        try (KafkaConsumer<String, byte[]> requests = f.reader(Topic.FRAMES_TO_LABEL)) {
          List<ConsumerRecord<String, byte[]>> asked =
              InferenceFixture.drain(requests, 1, Duration.ofSeconds(20), Duration.ofSeconds(2));
          assertThat(asked).isNotEmpty();
          assertThat(asked.size()).isLessThanOrEqualTo(10 + 10); // two replicas' budgets at most
          for (ConsumerRecord<String, byte[]> r : asked) {
            LabelRequest q = f.requests.decode(r);
            assertThat(q.getModelVersion()).isEqualTo(1);
            assertThat(q.getFrame().getFrameId()).isEqualTo(q.getFrameId());
            assertThat(q.getReason().name()).isIn("UNCERTAINTY", "RANDOM_AUDIT");
            // the labelers' pre-annotation: this model's own mask of the frame, as in the result
            Segmentation result =
                results.stream()
                    .filter(s -> s.getFrameId().equals(q.getFrameId()))
                    .findFirst()
                    .orElseThrow();
            assertThat(q.getPrediction()).isNotNull().isEqualTo(result.getMask());
          }
        }
        assertThat(second.health().ready()).isTrue();
      }
    }
  }

  @Test
  void swapsFiveCheckpointsUnderAStreamWithoutLosingOrRepeatingAFrame(KafkaBroker kafka)
      throws Exception {
    try (InferenceFixture f = new InferenceFixture(kafka)) {
      f.publishVersion(1);
      List<byte[]> files = new ArrayList<>();
      for (int v = 2; v <= 6; v++) {
        files.add(InferenceFixture.checkpointFile(v));
      }
      int total = 600;
      try (InferenceService service = f.start(f.settings("swap"))) {
        await().atMost(Duration.ofSeconds(60)).until(() -> service.health().ready());
        AtomicBoolean done = new AtomicBoolean();
        Thread stream =
            new Thread(
                () -> {
                  Random rng = new Random(2);
                  for (int i = 0; i < total; i++) {
                    f.sendFrames(i, 1, 4, rng);
                    try {
                      Thread.sleep(15);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                  done.set(true);
                });
        stream.start();
        for (int v = 2; v <= 6; v++) {
          Thread.sleep(1500);
          f.publish(v, files.get(v - 2));
          long version = v;
          await()
              .atMost(Duration.ofSeconds(30))
              .until(() -> service.health().modelVersion() == version);
        }
        stream.join();
        List<Segmentation> results =
            results(
                f,
                InferenceFixture.drain(
                    f.results(), total, Duration.ofSeconds(120), Duration.ofSeconds(3)));
        assertThat(ids(results)).hasSize(total);
        assertThat(results).hasSize(total);
        // per camera, in capture order, versions never go backwards
        Map<String, TreeMap<String, Long>> byCamera = new HashMap<>();
        for (Segmentation s : results) {
          byCamera
              .computeIfAbsent(s.getCameraId(), c -> new TreeMap<>())
              .put(s.getFrameId(), s.getModelVersion());
        }
        Set<Long> versions = new HashSet<>();
        for (TreeMap<String, Long> camera : byCamera.values()) {
          long last = 0;
          for (long v : camera.values()) {
            assertThat(v).isGreaterThanOrEqualTo(last);
            last = v;
            versions.add(v);
          }
        }
        assertThat(versions).contains(1L, 6L);
        assertThat(service.swapPausesNanos()).hasSize(5);
        // the largest gap between consecutive results, in production order
        List<Long> produced = new ArrayList<>();
        for (Segmentation s : results) {
          produced.add(s.getTimings().getProduced().toEpochMilli());
        }
        produced.sort(Long::compare);
        long gap = 0;
        for (int i = 1; i < produced.size(); i++) {
          gap = Math.max(gap, produced.get(i) - produced.get(i - 1));
        }
        long maxPause =
            service.swapPausesNanos().stream().mapToLong(Long::longValue).max().orElse(0);
        System.out.printf(
            "hot swap under a stream: %d frames, versions %s, largest gap between consecutive results %d ms, swap pauses max %.3f ms%n",
            total, versions, gap, maxPause / 1e6);
        assertThat(gap).as("largest gap between results, ms").isLessThan(5000);
      }
    }
  }

  @Test
  void pinnedVersionServesItAndBadCheckpointsAreRefusedWhileServingGoesOn(KafkaBroker kafka)
      throws Exception {
    try (InferenceFixture f = new InferenceFixture(kafka)) {
      // no checkpoint yet: the service waits, says why, and consumes nothing
      // the pinned replica is a deployment of its own: its own group and result topic
      Map<String, String> pinned = f.settings("pinned");
      pinned.put(InferenceSettings.Key.MODEL_VERSION.env(), "2");
      pinned.put(InferenceSettings.Key.GROUP.env(), "pinned-" + f.topics.name(Topic.SEGMENTATIONS));
      String pinnedTopic = f.topics.name(Topic.SEGMENTATIONS) + ".pinned";
      pinned.put(Topic.SEGMENTATIONS.nameEnvironmentVariable(), pinnedTopic);
      try (var admin =
          org.apache.kafka.clients.admin.Admin.create(
              Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
        admin
            .createTopics(
                List.of(new org.apache.kafka.clients.admin.NewTopic(pinnedTopic, 2, (short) 1)))
            .all()
            .get();
      }
      f.sendFrames(0, 40, 2, new Random(3));
      try (InferenceService following = f.start(f.settings("following"));
          InferenceService service = f.start(pinned)) {
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> following.health().status().contains("no checkpoint"));
        assertThat(following.health().ready()).isFalse();
        assertThat(following.consuming()).isFalse();
        HttpResponse<String> health = get(following, "/health");
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(health.body()).contains("no checkpoint");
        assertThat(InferenceFixture.drain(f.results(), 1, Duration.ofSeconds(2), Duration.ZERO))
            .isEmpty();

        f.publishVersion(1);
        f.publishVersion(2);
        f.publishVersion(3);
        await().atMost(Duration.ofSeconds(60)).until(() -> service.health().modelVersion() == 2);
        await().atMost(Duration.ofSeconds(60)).until(() -> following.health().modelVersion() == 3);
        // version 4: sha256 of the chunks does not match the manifest
        byte[] four = InferenceFixture.checkpointFile(4);
        var records =
            dev.allspark.schemas.kafka.CheckpointTopic.records(
                f.topics.name(Topic.MODEL_CHECKPOINTS),
                4,
                3L,
                four,
                "allspark-ckpt/1",
                Map.of(),
                List.of(),
                64 << 10);
        var manifest =
            (dev.allspark.schemas.CheckpointManifest)
                records.get(records.size() - 1).value().getBody();
        manifest.setSha256("0".repeat(64));
        for (var r : records) {
          f.producer.send(
              new org.apache.kafka.clients.producer.ProducerRecord<>(
                  r.topic(), r.partition(), r.key(), f.checkpoints.encode(r.value())));
        }
        // version 5: verifies, but is not a checkpoint at all
        f.publish(5, "not a checkpoint".getBytes(StandardCharsets.UTF_8));
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> following.health().refused().containsKey(5L));
        assertThat(following.health().refused().get(4L)).contains("sha256 mismatch");
        assertThat(following.health().refused().get(5L)).contains("loading failed");
        assertThat(following.health().modelVersion()).isEqualTo(3);
        assertThat(following.health().ready()).isTrue();

        // frames sent before any checkpoint may have met version 1 on the following replica;
        // frames sent now meet only the newest good version, 3
        f.sendFrames(40, 20, 2, new Random(4));
        List<Segmentation> results =
            results(
                f,
                InferenceFixture.drain(
                    f.results(), 60, Duration.ofSeconds(60), Duration.ofSeconds(2)));
        assertThat(ids(results)).hasSize(60);
        assertThat(results).hasSize(60);
        for (Segmentation s : results) {
          int sequence =
              Integer.parseInt(s.getFrameId().substring(s.getFrameId().indexOf('/') + 1));
          if (sequence >= 40) {
            assertThat(s.getModelVersion()).isEqualTo(3L);
          }
        }
        // the pinned replica answered every frame with version 2 only
        try (KafkaConsumer<String, byte[]> pinnedReader =
            new KafkaConsumer<>(
                Map.<String, Object>of(
                    "bootstrap.servers",
                    kafka.bootstrapServers(),
                    "group.id",
                    "check-pinned",
                    "auto.offset.reset",
                    "earliest",
                    "isolation.level",
                    "read_committed"),
                new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
          pinnedReader.subscribe(List.of(pinnedTopic));
          List<Segmentation> fromPinned =
              results(
                  f,
                  InferenceFixture.drain(
                      pinnedReader, 60, Duration.ofSeconds(60), Duration.ofSeconds(2)));
          assertThat(ids(fromPinned)).hasSize(60);
          assertThat(fromPinned).hasSize(60).allMatch(s -> s.getModelVersion() == 2L);
        }
        assertThat(service.health().modelVersion()).isEqualTo(2);
      }
    }
  }

  @Test
  void aPinnedVersionThatDoesNotExistIsReported(KafkaBroker kafka) throws Exception {
    try (InferenceFixture f = new InferenceFixture(kafka)) {
      f.publishVersion(1);
      Map<String, String> s = f.settings("pinned-missing");
      s.put(InferenceSettings.Key.MODEL_VERSION.env(), "9");
      try (InferenceService service = f.start(s)) {
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> service.health().status().contains("pinned version 9 does not exist"));
        assertThat(service.health().status()).contains("available: [1]");
        assertThat(service.health().ready()).isFalse();
        assertThat(service.consuming()).isFalse();
      }
    }
  }

  @Test
  void garbageFramesGoToTheDeadLetterTopicWithTheirReason(KafkaBroker kafka) throws Exception {
    try (InferenceFixture f = new InferenceFixture(kafka);
        KafkaConsumer<String, byte[]> reader = f.reader(Topic.SEGMENTATIONS);
        KafkaConsumer<String, byte[]> dlq = f.reader(Topic.CAMERA_FRAMES_DLQ)) {
      f.publishVersion(1);
      Random rng = new Random(5);
      byte[] good = InferenceFixture.png(InferenceFixture.scene(rng, 80, 60));
      f.sendRaw("cam0", "not avro at all".getBytes(StandardCharsets.UTF_8));
      f.sendRaw(
          "cam0",
          f.frames.encode(
              InferenceFixture.frame("bad/undecodable", "cam0", new byte[] {1, 2, 3}, 80, 60)));
      f.sendRaw(
          "cam0", f.frames.encode(InferenceFixture.frame("bad/size", "cam0", good, 640, 480)));
      f.sendRaw(
          "cam0",
          f.frames.encode(InferenceFixture.frame("bad/empty", "cam0", new byte[0], 80, 60)));
      f.sendRaw("cam0", null); // a tombstone (issue 13: its reason was a NullPointerException's)
      f.sendFrames(0, 10, 1, rng);
      Map<String, String> s = f.settings("dlq");
      try (InferenceService service = f.start(s)) {
        List<Segmentation> results =
            results(
                f,
                InferenceFixture.drain(reader, 10, Duration.ofSeconds(60), Duration.ofSeconds(1)));
        assertThat(results).hasSize(10);
        List<ConsumerRecord<String, byte[]>> dead =
            InferenceFixture.drain(dlq, 5, Duration.ofSeconds(30), Duration.ofSeconds(1));
        assertThat(dead).hasSize(5);
        List<String> reasons = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : dead) {
          reasons.add(DeadLetters.reason(r.headers()));
        }
        assertThat(reasons.get(0)).startsWith("unreadable record");
        assertThat(reasons.get(1))
            .contains("image is declared PNG but its bytes are neither JPEG nor PNG");
        assertThat(reasons.get(2)).contains("declared size 640x480 differs from the image's 80x60");
        assertThat(reasons.get(3)).contains("image is empty");
        assertThat(reasons.get(4)).isEqualTo("a record without a value (a tombstone): no frame");
        assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8))
            .isEqualTo("not avro at all");
        assertThat(service.health().ready()).isTrue();
        HttpResponse<String> metrics = get(service, "/metrics");
        String text = metrics.body();
        String deadLetters = "allspark_dead_letters_total";
        assertThat(PrometheusText.value(text, deadLetters, "reason", "unreadable-record"))
            .isEqualTo(1.0);
        assertThat(PrometheusText.value(text, deadLetters, "reason", "bad-frame")).isEqualTo(3.0);
        assertThat(PrometheusText.value(text, deadLetters, "reason", "tombstone")).isEqualTo(1.0);
        assertThat(
                PrometheusText.value(
                    text, deadLetters, "topic", f.topics.name(Topic.CAMERA_FRAMES_DLQ)))
            .isEqualTo(5.0);
        assertThat(
                PrometheusText.value(
                    text, "allspark_inference_frames_total", "service", "inference"))
            .isEqualTo(10.0);
        // a histogram, aggregatable across replicas, and the binders every JVM service has
        assertThat(text)
            .contains("allspark_inference_end_to_end_latency_seconds_bucket{")
            .contains("jvm_memory_used_bytes{")
            .contains("process_cpu_usage{")
            .contains("kafka_consumer_fetch_manager_records_consumed_total{")
            .contains("kafka_producer_record_send_total{");
      }
    }
  }

  /** {@code GET path} of a service's HTTP server. */
  private static HttpResponse<String> get(InferenceService service, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + service.httpPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
