package dev.allspark.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.ImageEncoding;
import dev.allspark.testkit.KafkaBroker;
import dev.allspark.testkit.KafkaIntegrationTest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

/**
 * Frames the producer gives up on are sent again until the broker has them (issue 13: after an
 * outage longer than {@code delivery.timeout.ms}, frames counted as sent were lost silently). Here
 * the "outage" is a topic that does not exist yet: every send fails after {@code max.block.ms}
 * until the test creates it.
 */
@KafkaIntegrationTest
class DeliveryIT {
  @Test
  void framesTheProducerGaveUpOnAreSentAgainUntilAcknowledged(KafkaBroker kafka) throws Exception {
    String topic = "dlv-" + UUID.randomUUID().toString().substring(0, 8) + ".camera.frames";
    Map<String, Object> c = new HashMap<>();
    c.put("bootstrap.servers", kafka.bootstrapServers());
    c.put("max.block.ms", 500);
    c.put("request.timeout.ms", 1000);
    c.put("delivery.timeout.ms", 1500);
    c.put("linger.ms", 0);
    byte[] png = IngestService.encode(new SyntheticFleet(1, 64, 48).scene(0, 0).image(), false);
    AtomicLong acked = new AtomicLong();
    List<String> problems = new CopyOnWriteArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Delivery[] delivery = new Delivery[1];
    try (FrameProducer producer = new FrameProducer(c, topic, 1 << 20, 1)) {
      delivery[0] =
          new Delivery(producer, 8, (f, md) -> acked.incrementAndGet(), p -> problems.add("" + p));
      Thread source =
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < 30; i++) {
                    delivery[0].send(producer.validate(frame("f-" + i, "cam-" + (i % 3), i, png)));
                  }
                  delivery[0].drain();
                } catch (Throwable t) {
                  failure.set(t);
                }
              });
      source.start();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> problems.stream().anyMatch(p -> p.contains("not acknowledged by Kafka")));
      assertThat(acked.get()).isZero();
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
      }
      source.join(90_000);
      assertThat(failure.get()).isNull();
      assertThat(source.isAlive()).isFalse();
      assertThat(acked.get()).isEqualTo(30);
      assertThat(delivery[0].resent()).isPositive();
      assertThat(problems.get(problems.size() - 1)).isEqualTo("null"); // the outage ended
    }
    Set<String> ids = new HashSet<>();
    int records = 0;
    for (CameraFrame f : IngestIT.read(kafka, topic, 30)) {
      ids.add(f.getFrameId());
      records++;
    }
    assertThat(records).as("records on the topic").isEqualTo(30);
    assertThat(ids).as("distinct frames").hasSize(30);
  }

  /** A slow source sees each frame counted once the broker has it, not once the window is full. */
  @Test
  void aFrameCountsAsSentSoonAfterTheBrokerHasItAtAnyPace(KafkaBroker kafka) throws Exception {
    String topic = "pace-" + UUID.randomUUID().toString().substring(0, 8) + ".camera.frames";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    byte[] png = IngestService.encode(new SyntheticFleet(1, 64, 48).scene(0, 0).image(), false);
    AtomicLong acked = new AtomicLong();
    try (FrameProducer producer =
        new FrameProducer(
            Map.of("bootstrap.servers", kafka.bootstrapServers(), "linger.ms", 0),
            topic,
            1 << 20,
            1)) {
      Delivery delivery = new Delivery(producer, 256, (f, md) -> acked.incrementAndGet(), p -> {});
      for (int i = 0; i < 5; i++) {
        delivery.send(
            producer.validate(
                new SourceFrame(
                    "p-" + i,
                    "v",
                    "cam",
                    1000L + i,
                    ImageEncoding.PNG,
                    png,
                    64,
                    48,
                    Map.of(),
                    null)));
      }
      // five frames in a window of 256: each counts once the broker has it, the window never fills
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> {
                delivery.settle();
                return acked.get() == 5;
              });
    }
  }

  private static SourceFrame frame(String id, String camera, int i, byte[] png) {
    return new SourceFrame(
        id, "v", camera, 1000L + i, ImageEncoding.PNG, png, 64, 48, Map.of(), null);
  }

  /** A registry that cannot answer holds frames back (with a back-off), never drops them. */
  @Test
  void framesWaitWhileTheSchemaRegistryCannotAnswerAndGoOnceItCan(KafkaBroker kafka)
      throws Exception {
    String topic = "reg-" + UUID.randomUUID().toString().substring(0, 8) + ".camera.frames";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
        dev.allspark.testkit.RegistryStandIn registry =
            new dev.allspark.testkit.RegistryStandIn()) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
      registry.unavailable(true);
      byte[] png = IngestService.encode(new SyntheticFleet(1, 64, 48).scene(0, 0).image(), false);
      AtomicLong acked = new AtomicLong();
      List<String> problems = new CopyOnWriteArrayList<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      try (FrameProducer producer =
          new FrameProducer(
              Map.of("bootstrap.servers", kafka.bootstrapServers(), "linger.ms", 0),
              topic,
              1 << 20,
              1,
              dev.allspark.schemas.kafka.AvroSerde.confluent(
                  CameraFrame.class,
                  new dev.allspark.schemas.kafka.SchemaRegistry(registry.url(), null)))) {
        Delivery delivery =
            new Delivery(
                producer, 8, (f, md) -> acked.incrementAndGet(), p -> problems.add("" + p));
        Thread source =
            new Thread(
                () -> {
                  try {
                    for (int i = 0; i < 3; i++) {
                      delivery.send(producer.validate(frame("r-" + i, "cam", i, png)));
                    }
                    delivery.drain();
                  } catch (Throwable t) {
                    failure.set(t);
                  }
                });
        source.start();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> problems.stream().anyMatch(p -> p.contains("HTTP 503")));
        assertThat(acked.get()).isZero();
        assertThat(source.isAlive()).as("the source waits, it does not fail").isTrue();
        registry.unavailable(false);
        source.join(60_000);
        assertThat(failure.get()).isNull();
        assertThat(acked.get()).isEqualTo(3);
        assertThat(problems.get(problems.size() - 1)).isEqualTo("null");
      }
      List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> records =
          dev.allspark.testkit.TopicReader.readToEnd(kafka.bootstrapServers(), topic);
      assertThat(records).hasSize(3);
      assertThat(records).allSatisfy(r -> assertThat(r.value()[0]).isZero());
    }
  }
}
