package dev.allspark.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a topic from the beginning, as a downstream consumer would ({@code read_committed}, so
 * aborted transactions are invisible), in a fresh group: until {@code expected} records came or the
 * time is up, then one more short poll so that tests see any record beyond the expected ones.
 */
public final class TopicReader {
  private TopicReader() {}

  private static KafkaConsumer<String, byte[]> consumer(String bootstrap) {
    return new KafkaConsumer<>(
        Map.of(
            "bootstrap.servers",
            bootstrap,
            "group.id",
            "read-" + UUID.randomUUID(),
            "auto.offset.reset",
            "earliest",
            "isolation.level",
            "read_committed",
            "max.partition.fetch.bytes",
            16 << 20),
        new StringDeserializer(),
        new ByteArrayDeserializer());
  }

  /**
   * Every committed record of the topic, from its beginning to its end as of now: every transaction
   * that had written to the topic when called is waited for (up to 30 s) until it is decided,
   * because a broker answers {@code commitTransaction} before it writes the markers that make the
   * records readable (read straight after a commit, the last stable offset can still be before
   * them). Nothing written after the call is waited for.
   *
   * @throws IllegalStateException when a transaction stays open for 30 s
   */
  public static List<ConsumerRecord<String, byte[]>> readToEnd(String bootstrap, String topic) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = consumer(bootstrap)) {
      List<TopicPartition> parts = new ArrayList<>();
      c.partitionsFor(topic).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
      Map<TopicPartition, Long> logEnd;
      try (KafkaConsumer<String, byte[]> peek =
          new KafkaConsumer<>(
              Map.of("bootstrap.servers", bootstrap, "isolation.level", "read_uncommitted"),
              new StringDeserializer(),
              new ByteArrayDeserializer())) {
        logEnd = peek.endOffsets(parts);
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = new java.util.HashMap<>(c.endOffsets(parts));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (logEnd.entrySet().stream().anyMatch(e -> end.get(e.getKey()) < e.getValue())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "a transaction on "
                  + topic
                  + " stayed open for 30 s: stable "
                  + end
                  + ", log end "
                  + logEnd);
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while reading " + topic, e);
        }
        end.putAll(c.endOffsets(parts));
      }
      while (end.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue())) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  public static List<ConsumerRecord<String, byte[]>> read(
      String bootstrap, String topic, long expected, Duration timeout) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = consumer(bootstrap)) {
      c.subscribe(List.of(topic));
      long end = System.nanoTime() + timeout.toNanos();
      while (out.size() < expected && System.nanoTime() < end) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      c.poll(Duration.ofSeconds(1)).forEach(out::add);
    }
    return out;
  }
}
