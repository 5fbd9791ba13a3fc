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
    try (FrameProducer producer = new FrameProducer(c, topic, 1 << 20, 1)) {
      Source source = new Source(producer, "f-", 30, 3);
      await().atMost(Duration.ofSeconds(30)).until(() -> source.told("not acknowledged by Kafka"));
      assertThat(source.acked.get()).isZero();
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
      }
      source.finishes(90_000);
      assertThat(source.acked.get()).isEqualTo(30);
      assertThat(source.delivery.resent()).isPositive();
      assertThat(source.lastProblem()).isEqualTo("null"); // the outage ended
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
    AtomicLong acked = new AtomicLong();
    try (FrameProducer producer =
        new FrameProducer(
            Map.of("bootstrap.servers", kafka.bootstrapServers(), "linger.ms", 0),
            topic,
            1 << 20,
            1)) {
      Delivery delivery = new Delivery(producer, 256, (f, md) -> acked.incrementAndGet(), p -> {});
      for (int i = 0; i < 5; i++) {
        delivery.send(producer.validate(frame("p-" + i, "cam", i, PNG)));
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

  private static final byte[] PNG =
      IngestService.encode(new SyntheticFleet(1, 64, 48).scene(0, 0).image(), false);

  /**
   * A source thread sending frames {@code <prefix>0..count-1} of {@code cameras} cameras through a
   * {@link Delivery} (a window of 8) and draining it; what the delivery told it is kept.
   */
  private static final class Source {
    final AtomicLong acked = new AtomicLong();
    final List<String> problems = new CopyOnWriteArrayList<>();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final Delivery delivery;
    final Thread thread;

    Source(FrameProducer producer, String prefix, int count, int cameras) {
      delivery =
          new Delivery(producer, 8, (f, md) -> acked.incrementAndGet(), p -> problems.add("" + p));
      thread =
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < count; i++) {
                    String camera = "cam-" + (i % cameras);
                    delivery.send(producer.validate(frame(prefix + i, camera, i, PNG)));
                  }
                  delivery.drain();
                } catch (Throwable t) {
                  failure.set(t);
                }
              });
      thread.start();
    }

    /** True once the delivery has reported a problem containing {@code text}. */
    boolean told(String text) {
      return problems.stream().anyMatch(p -> p.contains(text));
    }

    /** The last report: "null" once a problem has ended. */
    String lastProblem() {
      return problems.get(problems.size() - 1);
    }

    /** Waits for the source to have sent and drained everything, without a failure. */
    void finishes(long millis) throws InterruptedException {
      thread.join(millis);
      assertThat(failure.get()).isNull();
      assertThat(thread.isAlive()).as("the source has finished").isFalse();
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
      try (FrameProducer producer =
          new FrameProducer(
              Map.of("bootstrap.servers", kafka.bootstrapServers(), "linger.ms", 0),
              topic,
              1 << 20,
              1,
              dev.allspark.schemas.kafka.AvroSerde.confluent(
                  CameraFrame.class,
                  new dev.allspark.schemas.kafka.SchemaRegistry(registry.url(), null)))) {
        Source source = new Source(producer, "r-", 3, 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> source.told("HTTP 503"));
        assertThat(source.acked.get()).isZero();
        assertThat(source.thread.isAlive()).as("the source waits, it does not fail").isTrue();
        registry.unavailable(false);
        source.finishes(60_000);
        assertThat(source.acked.get()).isEqualTo(3);
        assertThat(source.lastProblem()).isEqualTo("null");
      }
      List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> records =
          dev.allspark.testkit.TopicReader.readToEnd(kafka.bootstrapServers(), topic);
      assertThat(records).hasSize(3);
      assertThat(records).allSatisfy(r -> assertThat(r.value()[0]).isZero());
    }
  }
}
