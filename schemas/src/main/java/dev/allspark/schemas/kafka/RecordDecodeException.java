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

  /** Where a record is: its topic, partition and offset (-1 where unknown). */
  public record Where(String topic, int partition, long offset) {
    @Override
    public String toString() {
      return topic + "-" + (partition < 0 ? "?" : partition) + "@" + (offset < 0 ? "?" : offset);
    }
  }

  private final Where where;
  private final String reason;

  public RecordDecodeException(
      String topic, int partition, long offset, String reason, Throwable cause) {
    this(new Where(topic, partition, offset), reason, cause);
  }

  private RecordDecodeException(Where where, String reason, Throwable cause) {
    super("cannot decode record at " + where + ": " + reason, cause);
    this.where = where;
    this.reason = reason;
  }

  /** A failure where only the topic is known (inside a {@code Deserializer}). */
  static RecordDecodeException inTopic(String topic, String reason, Throwable cause) {
    return new RecordDecodeException(topic, -1, -1, reason, cause);
  }

  /** The same failure, now placed at the record's partition and offset. */
  public RecordDecodeException at(int partition, long offset) {
    return new RecordDecodeException(where.topic(), partition, offset, reason, getCause());
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

  /** Where the record is; partition and offset are -1 where unknown. */
  public Where where() {
    return where;
  }

  /** Why the record could not be decoded, without the location. */
  public String reason() {
    return reason;
  }
}
