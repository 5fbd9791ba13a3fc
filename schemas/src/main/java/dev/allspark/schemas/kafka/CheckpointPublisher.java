package dev.allspark.schemas.kafka;

import dev.allspark.schemas.CheckpointRecord;
import dev.allspark.schemas.TopicPartitionOffset;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The one way to write {@code model.checkpoints}: a version (its chunks, then its manifest) or its
 * removal (tombstones, manifest first), encoded as {@link CheckpointTopic} lays them out. It only
 * sends: a transactional caller begins and commits the transaction around {@link #send} (so a
 * reader never sees half a version), any other calls {@link #flush()}.
 */
public final class CheckpointPublisher {
  private final Producer<String, byte[]> producer;
  private final String topic;
  private final int chunkBytes;
  private final AvroSerde<CheckpointRecord> serde = new AvroSerde<>(CheckpointRecord.class);

  /** What a version's manifest says besides its file. */
  public record Version(
      long version,
      Long parentVersion,
      byte[] file,
      String format,
      Map<String, Double> metrics,
      List<TopicPartitionOffset> watermark) {

    /**
     * Version {@code n} of a sequence published by a tool or a test rather than a trainer: its
     * parent is {@code n - 1} (the first has none) and it records no input watermark.
     */
    public static Version inSequence(
        long version, byte[] file, String format, Map<String, Double> metrics) {
      return new Version(
          version, version > 1 ? version - 1 : null, file, format, metrics, List.of());
    }
  }

  public CheckpointPublisher(Producer<String, byte[]> producer, String topic) {
    this(producer, topic, CheckpointTopic.DEFAULT_CHUNK_BYTES);
  }

  public CheckpointPublisher(Producer<String, byte[]> producer, String topic, int chunkBytes) {
    if (chunkBytes < 1) {
      throw new IllegalArgumentException("chunk size must be >= 1, got " + chunkBytes);
    }
    this.producer = producer;
    this.topic = topic;
    this.chunkBytes = chunkBytes;
  }

  public String topic() {
    return topic;
  }

  /** Sends one version, chunks first and manifest last; returns its chunk count. */
  public int send(Version v) {
    List<ProducerRecord<String, CheckpointRecord>> records =
        CheckpointTopic.records(
            topic,
            v.version(),
            v.parentVersion(),
            v.file(),
            v.format(),
            v.metrics(),
            v.watermark(),
            chunkBytes);
    for (ProducerRecord<String, CheckpointRecord> r : records) {
      producer.send(
          new ProducerRecord<>(
              r.topic(), r.partition(), r.key(), serde.encode(r.topic(), r.value())));
    }
    return records.size() - 1;
  }

  /** Sends the tombstones that remove a version of {@code chunkCount} chunks. */
  public void remove(long version, int chunkCount) {
    for (ProducerRecord<String, CheckpointRecord> r :
        CheckpointTopic.tombstones(topic, version, chunkCount)) {
      producer.send(new ProducerRecord<>(r.topic(), r.partition(), r.key(), null));
    }
  }

  /** For a producer without transactions: waits until everything sent is acknowledged. */
  public void flush() {
    producer.flush();
  }
}
