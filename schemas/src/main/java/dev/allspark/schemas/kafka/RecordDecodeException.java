package dev.allspark.schemas.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The one error for a record that cannot be decoded. It names where the record is (topic,
 * partition, offset; -1 where the caller does not know them, as inside a plain Kafka {@code
 * Deserializer}) and why, so that a service can route the raw record to its {@code .dlq} topic with
 * the reason.
 */
public final class RecordDecodeException extends SerializationException {
  private static final long serialVersionUID = 1L;

  private final String topic;
  private final int partition;
  private final long offset;
  private final String reason;

  public RecordDecodeException(
      String topic, int partition, long offset, String reason, Throwable cause) {
    super(
        "cannot decode record at "
            + topic
            + "-"
            + (partition < 0 ? "?" : partition)
            + "@"
            + (offset < 0 ? "?" : offset)
            + ": "
            + reason,
        cause);
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.reason = reason;
  }

  /** A failure where only the topic is known (inside a {@code Deserializer}). */
  static RecordDecodeException inTopic(String topic, String reason, Throwable cause) {
    return new RecordDecodeException(topic, -1, -1, reason, cause);
  }

  /** The same failure, now placed at the record's partition and offset. */
  public RecordDecodeException at(int partition, long offset) {
    return new RecordDecodeException(topic, partition, offset, reason, getCause());
  }

  /** The same failure, placed at the given record. */
  public RecordDecodeException at(ConsumerRecord<?, ?> record) {
    return new RecordDecodeException(
        record.topic(), record.partition(), record.offset(), reason, getCause());
  }

  /**
   * Converts the consumer's own wrapper (thrown by {@code poll()} when a configured deserializer
   * fails) into this error, keeping partition and offset.
   */
  public static RecordDecodeException from(RecordDeserializationException e) {
    String reason =
        e.getCause() instanceof RecordDecodeException inner ? inner.reason() : e.getMessage();
    return new RecordDecodeException(
        e.topicPartition().topic(),
        e.topicPartition().partition(),
        e.offset(),
        reason,
        e.getCause() != null ? e.getCause() : e);
  }

  public String topic() {
    return topic;
  }

  /** Partition, or -1 when unknown. */
  public int partition() {
    return partition;
  }

  /** Offset, or -1 when unknown. */
  public long offset() {
    return offset;
  }

  /** Why the record could not be decoded, without the location. */
  public String reason() {
    return reason;
  }
}
