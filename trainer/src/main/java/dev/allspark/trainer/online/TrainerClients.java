package dev.allspark.trainer.online;

import dev.allspark.ops.ServiceMeters;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The online trainer's Kafka clients, with the settings each one needs on top of the user's. */
final class TrainerClients {
  private final OnlineSettings settings;
  private final ServiceMeters meters;

  /** Kafka's metrics of the newest client in each role; a new client replaces its predecessor's. */
  private final Map<String, ServiceMeters.Bound> bound = new ConcurrentHashMap<>();

  TrainerClients(OnlineSettings settings, ServiceMeters meters) {
    this.settings = settings;
    this.meters = meters;
  }

  private <K, V> KafkaConsumer<K, V> metered(String role, KafkaConsumer<K, V> c) {
    replace(role, meters.bind(c));
    return c;
  }

  private <K, V> KafkaProducer<K, V> metered(String role, KafkaProducer<K, V> p) {
    replace(role, meters.bind(p));
    return p;
  }

  private void replace(String role, ServiceMeters.Bound b) {
    ServiceMeters.Bound old = bound.put(role, b);
    if (old != null) {
      old.close();
    }
  }

  private Map<String, Object> base() {
    Map<String, Object> c = new HashMap<>(settings.kafkaOverrides());
    c.put("bootstrap.servers", settings.bootstrap());
    return c;
  }

  private Map<String, Object> reader() {
    Map<String, Object> c = base();
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20);
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
    return c;
  }

  /** Reads {@code frames.labeled} from its beginning, on every start (no group). */
  KafkaConsumer<String, byte[]> labels() {
    return metered(
        "labels",
        new KafkaConsumer<>(reader(), new StringDeserializer(), new ByteArrayDeserializer()));
  }

  /** Reads {@code camera.frames} in the trainer's group (offsets follow the saved state). */
  KafkaConsumer<String, byte[]> frames() {
    Map<String, Object> c = reader();
    c.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return metered(
        "frames", new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer()));
  }

  /** Reads {@code model.checkpoints} once at start (the versions already there). */
  KafkaConsumer<String, byte[]> checkpoints() {
    Map<String, Object> c = base();
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 << 20);
    return new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * The log end offsets of these partitions, records of open transactions included (a {@code
   * read_uncommitted} view): what a {@code read_committed} read must wait for to see every
   * transaction already committed.
   */
  Map<TopicPartition, Long> logEnd(List<TopicPartition> partitions) {
    Map<String, Object> c = base();
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    try (KafkaConsumer<byte[], byte[]> peek =
        new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      return peek.endOffsets(partitions);
    }
  }

  /** A transactional producer of checkpoints, one transactional id per trainer group. */
  KafkaProducer<String, byte[]> publisher() {
    Map<String, Object> c = base();
    c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "allspark-trainer-" + settings.groupId());
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20);
    return metered(
        "publisher", new KafkaProducer<>(c, new StringSerializer(), new ByteArraySerializer()));
  }

  /** The producer of dead letters (idempotent). */
  KafkaProducer<String, byte[]> deadLetters() {
    Map<String, Object> c = base();
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 << 20);
    return metered(
        "dead-letters", new KafkaProducer<>(c, new StringSerializer(), new ByteArraySerializer()));
  }
}
