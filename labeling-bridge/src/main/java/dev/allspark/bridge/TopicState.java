package dev.allspark.bridge;

import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.RecordDecodeException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small keyed state kept in a compacted topic (the bridge's claims and review queue): the bridge
 * reads the topic to its end at start ({@link #restore}), then serves reads from memory and writes
 * through to the topic, answering only once the broker has the write (acks=all). One bridge per
 * application id owns it (as it owns the join's stores), so memory and topic agree.
 */
final class TopicState<V extends SpecificRecord> {
  private static final Logger log = LoggerFactory.getLogger(TopicState.class);

  private final String topic;
  private final AvroSerde<V> serde;
  private final KafkaProducer<String, byte[]> producer;
  private final Map<String, V> values = new ConcurrentHashMap<>();

  TopicState(String topic, Class<V> type, KafkaProducer<String, byte[]> producer) {
    this.topic = topic;
    this.serde = new AvroSerde<>(type);
    this.producer = producer;
  }

  /** Reads the whole topic (latest value per key wins, a tombstone removes). */
  void restore(Map<String, Object> client, Duration timeout) {
    Map<String, Object> c = new HashMap<>(client);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.remove(ConsumerConfig.GROUP_ID_CONFIG);
    long deadline = System.nanoTime() + timeout.toNanos();
    int read = 0;
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          consumer.partitionsFor(topic, timeout).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      if (parts.isEmpty()) {
        throw new IllegalStateException(
            "topic "
                + topic
                + " does not exist: create the topics first (bin/allspark topics create, or the"
                + " chart's topics job)");
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts, timeout);
      while (parts.stream().anyMatch(p -> consumer.position(p, timeout) < end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              topic + " could not be read to its end within " + timeout.toSeconds() + " s");
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          read++;
          if (r.key() == null) {
            continue;
          }
          if (r.value() == null) {
            values.remove(r.key());
            continue;
          }
          try {
            values.put(r.key(), serde.decode(r));
          } catch (RecordDecodeException e) {
            log.warn(
                "{}/{}@{} unreadable, skipped: {}", topic, r.partition(), r.offset(), e.reason());
          }
        }
      }
    }
    log.info("{}: {} records read, {} keys", topic, read, values.size());
  }

  V get(String key) {
    return values.get(key);
  }

  /** A copy of every key's value. */
  Map<String, V> all() {
    return Map.copyOf(values);
  }

  /** Writes the value and waits for the broker; memory changes only once the topic has it. */
  void put(String key, V value) throws InterruptedException, ExecutionException, TimeoutException {
    producer
        .send(new ProducerRecord<>(topic, key, serde.encode(topic, value)))
        .get(30, TimeUnit.SECONDS);
    values.put(key, value);
  }

  /** Writes a tombstone and waits for the broker. */
  void remove(String key) throws InterruptedException, ExecutionException, TimeoutException {
    producer.send(new ProducerRecord<>(topic, key, null)).get(30, TimeUnit.SECONDS);
    values.remove(key);
  }
}
