package dev.allspark.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.LabelReason;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.testkit.KafkaBroker;
import dev.allspark.testkit.KafkaIntegrationTest;
import dev.allspark.testkit.TopicReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

@KafkaIntegrationTest
class ColdStartRequestsIT {
  @Test
  void withoutAModelEveryNthFrameIsRequestedUpToTheLimitAndWithOneNothingIs(KafkaBroker kafka)
      throws Exception {
    TopicCatalog topics = BridgeTestSupport.topics(kafka);
    frames(kafka, topics, 12);
    try (ColdStartRequests cold = coldStart(kafka, topics, 3, 3)) {
      List<LabelRequest> requests = requests(kafka, topics, 3);
      assertThat(requests)
          .extracting(LabelRequest::getFrameId)
          .containsExactlyInAnyOrder("cam/0", "cam/3", "cam/6");
      assertThat(requests).allMatch(r -> r.getReason() == LabelReason.MANUAL);
      assertThat(requests).allMatch(r -> r.getModelVersion() == -1);
      assertThat(requests.get(0).getFrame().getWidth()).isEqualTo(16);
      assertThat(requests(kafka, topics, 4)).hasSize(3); // the limit holds
      assertThat(cold.requested()).isEqualTo(3);
    }

    // once a checkpoint exists, a cold start requests nothing
    TopicCatalog withModel = BridgeTestSupport.topics(kafka);
    frames(kafka, withModel, 6);
    try (KafkaProducer<String, byte[]> p = producer(kafka)) {
      p.send(
              new ProducerRecord<>(
                  withModel.name(Topic.MODEL_CHECKPOINTS), "1/manifest", new byte[] {1}))
          .get();
    }
    try (ColdStartRequests cold = coldStart(kafka, withModel, 1, 5)) {
      assertThat(requests(kafka, withModel, 1)).isEmpty();
      assertThat(cold.requested()).isZero();
    }
  }

  /** Issue 13: one unreadable record on camera.frames ended the cold start for good. */
  @Test
  void unreadableRecordsAreSkippedAndTheColdStartGoesOn(KafkaBroker kafka) throws Exception {
    TopicCatalog topics = BridgeTestSupport.topics(kafka);
    try (KafkaProducer<String, byte[]> p = producer(kafka)) {
      p.send(new ProducerRecord<>(topics.name(Topic.CAMERA_FRAMES), "cam", new byte[] {1, 2, 3}))
          .get();
      p.send(new ProducerRecord<>(topics.name(Topic.CAMERA_FRAMES), "cam", null)).get();
    }
    frames(kafka, topics, 4);
    try (ColdStartRequests cold = coldStart(kafka, topics, 2, 2)) {
      List<LabelRequest> requests = requests(kafka, topics, 2);
      assertThat(requests)
          .extracting(LabelRequest::getFrameId)
          .containsExactlyInAnyOrder("cam/0", "cam/2");
      assertThat(cold.skipped()).isEqualTo(2);
      assertThat(cold.healthy()).isTrue();
    }
  }

  /** A cold start of its own group: every n-th frame requested, up to the limit. */
  private static ColdStartRequests coldStart(
      KafkaBroker kafka, TopicCatalog topics, int every, int limit) {
    return new ColdStartRequests(
            Map.of("bootstrap.servers", kafka.bootstrapServers()),
            "cold-" + UUID.randomUUID(),
            topics,
            every,
            limit,
            null)
        .start();
  }

  private static KafkaProducer<String, byte[]> producer(KafkaBroker kafka) {
    return new KafkaProducer<>(
        Map.of("bootstrap.servers", kafka.bootstrapServers()),
        new StringSerializer(),
        new ByteArraySerializer());
  }

  private static void frames(KafkaBroker kafka, TopicCatalog topics, int n) throws Exception {
    AvroSerde<CameraFrame> serde = new AvroSerde<>(CameraFrame.class);
    try (KafkaProducer<String, byte[]> p = producer(kafka)) {
      for (int i = 0; i < n; i++) {
        // one camera: one partition, so the order is the frames' order
        p.send(
                new ProducerRecord<>(
                    topics.name(Topic.CAMERA_FRAMES),
                    "cam",
                    serde.encode(Fixtures.frame("cam/" + i, 16, 12))))
            .get();
      }
    }
  }

  private static List<LabelRequest> requests(KafkaBroker kafka, TopicCatalog topics, int max) {
    AvroSerde<LabelRequest> serde = new AvroSerde<>(LabelRequest.class);
    return TopicReader.read(
            kafka.bootstrapServers(),
            topics.name(Topic.FRAMES_TO_LABEL),
            max,
            Duration.ofSeconds(8))
        .stream()
        .map(serde::decode)
        .toList();
  }
}
