package dev.allspark.bridge;

import dev.allspark.ops.settings.SettingsBuilder;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.LabeledFrame;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.kafka.TopicsInitializer;
import dev.allspark.testkit.KafkaBroker;
import dev.allspark.testkit.TopicReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** A bridge on the test broker with its own topics, and what the tests read and write. */
final class BridgeTestSupport {
  static final String TOKEN = "test-token-123";

  private BridgeTestSupport() {}

  static TopicCatalog topics(KafkaBroker kafka) throws Exception {
    return TopicsInitializer.ensure(kafka.bootstrapServers(), TopicCatalog.unique("lab"));
  }

  static LabelingBridge bridge(KafkaBroker kafka, TopicCatalog topics, Path state) {
    return new LabelingBridge(
            settings(kafka, topics, state, "bridge-" + UUID.randomUUID())
                .set(BridgeSettings.Key.TOKEN, TOKEN)
                .set(BridgeSettings.Key.IMPORT_ROOT, state.getParent())
                .build())
        .start();
  }

  /**
   * A bridge with per-labeler tokens ({@link #labelers}) on the test's clock, with the settings
   * {@code more} adds; a second bridge with the same application id is the first one restarted.
   */
  static LabelingBridge bridge(
      KafkaBroker kafka,
      TopicCatalog topics,
      Path state,
      String applicationId,
      Path labelersFile,
      java.time.Clock clock,
      java.util.function.UnaryOperator<SettingsBuilder<BridgeSettings>> more) {
    SettingsBuilder<BridgeSettings> settings =
        settings(kafka, topics, state, applicationId)
            .set(BridgeSettings.Key.LABELERS_FILE, labelersFile);
    return new LabelingBridge(more.apply(settings).build(), clock).start();
  }

  /** What every test bridge shares: the test broker, its topics, any free port, fast commits. */
  private static SettingsBuilder<BridgeSettings> settings(
      KafkaBroker kafka, TopicCatalog topics, Path state, String applicationId) {
    return BridgeSettings.builder(kafka.bootstrapServers())
        .kafka(Map.of("commit.interval.ms", "100"))
        .topics(topics)
        .set(BridgeSettings.Key.HTTP_PORT, 0)
        .set(BridgeSettings.Key.STATE_DIR, state)
        .set(BridgeSettings.Key.APPLICATION_ID, applicationId)
        .set(BridgeSettings.Key.COLD_START, 0)
        .set(BridgeSettings.Key.COLD_START_EVERY, 1);
  }

  /** The team of the workflow tests: alice and bob label, rita reviews. */
  static final String ALICE = "alice-token-0001";

  static final String BOB = "bob-token-00002";
  static final String RITA = "rita-token-0003";

  /** The team's labelers file. */
  static Path team(Path file) throws java.io.IOException {
    return labelers(file, ALICE, "alice", false, BOB, "bob", false, RITA, "rita", true);
  }

  /** A labelers file with these (token, name, reviewer?) entries. */
  static Path labelers(Path file, Object... tokenNameReviewer) throws java.io.IOException {
    java.util.List<String> lines = new java.util.ArrayList<>();
    for (int i = 0; i < tokenNameReviewer.length; i += 3) {
      lines.add(
          Labelers.line(
              (String) tokenNameReviewer[i],
              (String) tokenNameReviewer[i + 1],
              (Boolean) tokenNameReviewer[i + 2]));
    }
    java.nio.file.Files.write(file, lines);
    return file;
  }

  /** Masks on labels.masks by frame id (latest wins), read until {@code n} arrived. */
  static Map<String, dev.allspark.schemas.LabelMask> masks(
      KafkaBroker kafka, TopicCatalog topics, int n) {
    AvroSerde<dev.allspark.schemas.LabelMask> serde =
        new AvroSerde<>(dev.allspark.schemas.LabelMask.class);
    Map<String, dev.allspark.schemas.LabelMask> out = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r :
        TopicReader.read(
            kafka.bootstrapServers(), topics.name(Topic.LABELS_MASKS), n, Duration.ofSeconds(60))) {
      out.put(r.key(), serde.decode(r));
    }
    return out;
  }

  static void request(KafkaBroker kafka, TopicCatalog topics, LabelRequest... requests) {
    AvroSerde<LabelRequest> serde = new AvroSerde<>(LabelRequest.class);
    try (KafkaProducer<String, byte[]> p =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", kafka.bootstrapServers(), "max.request.size", 10 << 20),
            new StringSerializer(),
            new ByteArraySerializer())) {
      for (LabelRequest r : requests) {
        p.send(
            new ProducerRecord<>(
                topics.name(Topic.FRAMES_TO_LABEL), r.getFrameId(), serde.encode(r)));
      }
    }
  }

  /** Committed labeled frames by frame id (latest wins), read until {@code expected} arrived. */
  static Map<String, LabeledFrame> labeled(
      KafkaBroker kafka, TopicCatalog topics, int expected, Duration timeout) {
    AvroSerde<LabeledFrame> serde = new AvroSerde<>(LabeledFrame.class);
    Map<String, LabeledFrame> out = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r :
        TopicReader.read(
            kafka.bootstrapServers(), topics.name(Topic.FRAMES_LABELED), expected, timeout)) {
      out.put(r.key(), serde.decode(r));
    }
    return out;
  }
}
