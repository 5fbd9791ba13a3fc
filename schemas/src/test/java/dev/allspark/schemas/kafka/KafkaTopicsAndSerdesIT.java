package dev.allspark.schemas.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.testkit.KafkaBroker;
import dev.allspark.testkit.KafkaIntegrationTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Topics, serdes and the typed decoding error against a real broker. */
@KafkaIntegrationTest
class KafkaTopicsAndSerdesIT {

  /** A catalog whose names are unique to this test, so tests can share one broker. */
  static TopicCatalog uniqueCatalog() {
    String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    Map<String, String> names = new HashMap<>();
    for (Topic topic : Topic.values()) {
      names.put(topic.nameSetting(), prefix + topic.defaultName());
    }
    return TopicCatalog.from(names);
  }

  static Admin admin(KafkaBroker kafka) {
    return Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
  }

  @Test
  void initializerCreatesEveryTopicOnceAndASecondRunChangesNothing(KafkaBroker kafka)
      throws Exception {
    TopicCatalog catalog = uniqueCatalog();
    try (Admin admin = admin(kafka)) {
      TopicsInitializer.Report first = new TopicsInitializer(admin, catalog, (short) 1).run();
      assertThat(first.created()).containsExactlyInAnyOrderElementsOf(catalog.names().values());
      assertThat(first.differences()).isEmpty();

      var descriptions = admin.describeTopics(catalog.names().values()).allTopicNames().get();
      for (Topic topic : Topic.values()) {
        assertThat(descriptions.get(catalog.name(topic)).partitions())
            .as(topic.name())
            .hasSize(topic.defaultPartitions());
      }

      TopicsInitializer.Report second = new TopicsInitializer(admin, catalog, (short) 1).run();
      assertThat(second.created()).isEmpty();
      assertThat(second.unchanged()).containsExactlyInAnyOrderElementsOf(catalog.names().values());
      assertThat(second.consistent()).isTrue();
    }
  }

  @Test
  void initializerReportsAnExistingTopicWithOtherSettingsAndLeavesItAlone(KafkaBroker kafka)
      throws Exception {
    TopicCatalog catalog = uniqueCatalog();
    String masks = catalog.name(Topic.LABELS_MASKS);
    try (Admin admin = admin(kafka)) {
      // Someone created labels.masks by hand: 1 partition, delete policy.
      admin
          .createTopics(
              List.of(
                  new NewTopic(masks, Optional.of(1), Optional.of((short) 1))
                      .configs(Map.of("cleanup.policy", "delete"))))
          .all()
          .get();

      TopicsInitializer.Report report = new TopicsInitializer(admin, catalog, (short) 1).run();

      assertThat(report.created()).hasSize(Topic.values().length - 1).doesNotContain(masks);
      assertThat(report.differences())
          .anySatisfy(d -> assertThat(d).startsWith(masks + ": 1 partitions, catalog says 3"))
          .anySatisfy(d -> assertThat(d).contains("cleanup.policy=delete, catalog says compact"));
      assertThat(report.consistent()).isFalse();
      assertThat(admin.describeTopics(List.of(masks)).allTopicNames().get().get(masks).partitions())
          .hasSize(1);
    }
  }

  /** Issue 13: raising partitions made every later topics create (a Helm upgrade) exit 3. */
  @Test
  void partitionsRaisedByAnOperatorAreANoteNotADifference(KafkaBroker kafka) throws Exception {
    TopicCatalog catalog = uniqueCatalog();
    String frames = catalog.name(Topic.CAMERA_FRAMES);
    try (Admin admin = admin(kafka)) {
      new TopicsInitializer(admin, catalog, (short) 1).run();
      int before = Topic.CAMERA_FRAMES.defaultPartitions();
      admin
          .createPartitions(
              Map.of(frames, org.apache.kafka.clients.admin.NewPartitions.increaseTo(before + 4)))
          .all()
          .get();
      TopicsInitializer.Report again = new TopicsInitializer(admin, catalog, (short) 1).run();
      assertThat(again.consistent()).isTrue();
      assertThat(again.differences()).isEmpty();
      assertThat(again.notes())
          .containsExactly(
              frames
                  + ": "
                  + (before + 4)
                  + " partitions, raised from the catalog's "
                  + before
                  + " (fine)");
    }
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void everyValueTypeTravelsThroughTheBrokerWithTheProjectSerdes(KafkaBroker kafka)
      throws Exception {
    TopicCatalog catalog = uniqueCatalog();
    try (Admin admin = admin(kafka)) {
      new TopicsInitializer(admin, catalog, (short) 1).run();
    }
    Map<Topic, SpecificRecord> samples = new HashMap<>(SampleRecords.everyValueType());
    try (KafkaProducer<String, byte[]> producer = producer(kafka)) {
      for (var e : samples.entrySet()) {
        AvroSerde serde = new AvroSerde(e.getKey().valueType());
        producer
            .send(
                new ProducerRecord<>(
                    catalog.name(e.getKey()), "k-" + e.getKey(), serde.encode(e.getValue())))
            .get();
      }
      // The chunk shares the checkpoint topic with the manifest.
      producer
          .send(
              new ProducerRecord<>(
                  catalog.name(Topic.MODEL_CHECKPOINTS),
                  "13/chunk/2",
                  new AvroSerde<>(dev.allspark.schemas.CheckpointRecord.class)
                      .encode(SampleRecords.chunk())))
          .get();
    }

    for (var e : samples.entrySet()) {
      Topic topic = e.getKey();
      List<ConsumerRecord<String, Object>> records =
          consumeAll(
              kafka,
              catalog.name(topic),
              new AvroSerde(topic.valueType()),
              topic == Topic.MODEL_CHECKPOINTS ? 2 : 1);
      assertThat(records.get(0).key()).isEqualTo("k-" + topic);
      assertThat(records.get(0).value()).as(topic.name()).isEqualTo(e.getValue());
      if (topic == Topic.MODEL_CHECKPOINTS) {
        assertThat(records.get(1).value()).isEqualTo(SampleRecords.chunk());
      }
    }
  }

  @Test
  void aCorruptRecordRaisesTheTypedErrorWithTopicPartitionAndOffset(KafkaBroker kafka)
      throws Exception {
    TopicCatalog catalog = uniqueCatalog();
    try (Admin admin = admin(kafka)) {
      new TopicsInitializer(admin, catalog, (short) 1).run();
    }
    String topic = catalog.name(Topic.CAMERA_FRAMES);
    AvroSerde<CameraFrame> serde = new AvroSerde<>(CameraFrame.class);
    byte[] good = serde.encode(SampleRecords.frame());
    byte[] corrupt = java.util.Arrays.copyOf(good, 20);
    RecordMetadata corruptAt;
    try (KafkaProducer<String, byte[]> producer = producer(kafka)) {
      producer.send(new ProducerRecord<>(topic, 4, "cam-1", good)).get();
      corruptAt = producer.send(new ProducerRecord<>(topic, 4, "cam-1", corrupt)).get();
    }

    // 1. Consumed as bytes and decoded by the service (the DLQ-friendly way).
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            consumerConfig(kafka), new StringDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 4);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      List<ConsumerRecord<String, byte[]>> raw = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 30_000;
      while (raw.size() < 2 && System.currentTimeMillis() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(raw::add);
      }
      assertThat(raw).hasSize(2);
      assertThat(serde.decode(raw.get(0))).isEqualTo(SampleRecords.frame());
      assertThatThrownBy(() -> serde.decode(raw.get(1)))
          .isInstanceOfSatisfying(
              RecordDecodeException.class,
              e -> {
                assertThat(e.where().topic()).isEqualTo(topic);
                assertThat(e.where().partition()).isEqualTo(4);
                assertThat(e.where().offset()).isEqualTo(corruptAt.offset());
                assertThat(e.reason()).contains("CameraFrame");
                assertThat(e.getMessage()).contains(topic + "-4@" + corruptAt.offset());
              });
    }

    // 2. With the serde as the consumer's deserializer: poll() fails at the record, and the
    // consumer's wrapper converts to the same typed error.
    try (KafkaConsumer<String, CameraFrame> consumer =
        new KafkaConsumer<>(
            consumerConfig(kafka), new StringDeserializer(), serde.deserializer())) {
      TopicPartition tp = new TopicPartition(topic, 4);
      consumer.assign(List.of(tp));
      consumer.seek(tp, corruptAt.offset());
      RecordDeserializationException thrown = null;
      long deadline = System.currentTimeMillis() + 30_000;
      while (thrown == null && System.currentTimeMillis() < deadline) {
        try {
          consumer.poll(Duration.ofMillis(200));
        } catch (RecordDeserializationException e) {
          thrown = e;
        }
      }
      assertThat(thrown).isNotNull();
      RecordDecodeException typed = RecordDecodeException.from(thrown);
      assertThat(typed.where().topic()).isEqualTo(topic);
      assertThat(typed.where().partition()).isEqualTo(4);
      assertThat(typed.where().offset()).isEqualTo(corruptAt.offset());
      assertThat(typed.reason()).contains("corrupt CameraFrame");
    }
  }

  static KafkaProducer<String, byte[]> producer(KafkaBroker kafka) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            kafka.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true),
        new StringSerializer(),
        new ByteArraySerializer());
  }

  static Map<String, Object> consumerConfig(KafkaBroker kafka) {
    return Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        kafka.bootstrapServers(),
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
        false,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
        "earliest");
  }

  static <T extends SpecificRecord> List<ConsumerRecord<String, T>> consumeAll(
      KafkaBroker kafka, String topic, AvroSerde<T> serde, int expected) {
    try (KafkaConsumer<String, T> consumer =
        new KafkaConsumer<>(
            consumerConfig(kafka), new StringDeserializer(), serde.deserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      List<ConsumerRecord<String, T>> records = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 30_000;
      while (records.size() < expected && System.currentTimeMillis() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      assertThat(records).as("records in " + topic).hasSize(expected);
      return records;
    }
  }
}
