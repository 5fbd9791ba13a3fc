package dev.allspark.schemas.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Dead letters: every reason a record can be refused ({@link Reason}, the one list), and the one
 * way to build a {@code .dlq} record. A dead letter's key and value are the original bytes,
 * untouched, so a fixed record can be replayed as it was; its headers are the original ones plus
 * the reason's stable code, the reason in words and where the record came from.
 */
public final class DeadLetters {
  /** Why the record was refused (UTF-8 text meant for people). */
  public static final String REASON_HEADER = "allspark.dlq.reason";

  /** The reason's stable code ({@link Reason#code()}), for alerts and dashboards. */
  public static final String CODE_HEADER = "allspark.dlq.code";

  /** Where it came from: {@code topic/partition@offset}. */
  public static final String SOURCE_HEADER = "allspark.dlq.source";

  /**
   * Every reason a record goes to a dead-letter topic. The code (from the constant's name) never
   * changes once released, so neither does the name; the text names what is wrong with this record
   * in particular (the detail).
   */
  public enum Reason {
    UNREADABLE_RECORD(
        "unreadable record: ",
        "the value is not the topic's Avro record (single-object encoding with a known schema)"),
    TOMBSTONE("a record without a value (a tombstone): ", "the record has a key but no value"),
    NO_KEY("the record has no key: ", "a mask's key must be the frame id it labels"),
    BAD_FRAME(
        "",
        "the frame breaks a frame rule (FrameRules): id, declared size, size limits, encoding, the"
            + " image's signature and decoding"),
    BAD_MASK(
        "",
        "the mask breaks a mask rule (MaskCheck): frame id, class set, PNG of known class ids, the"
            + " frame's size"),
    NO_LABEL_REQUEST(
        "",
        "a mask for a frame that has no label request on frames.to-label (unknown frame, or sent"
            + " before its request)");

    private final String prefix;
    private final String meaning;

    Reason(String prefix, String meaning) {
      this.prefix = prefix;
      this.meaning = meaning;
    }

    /**
     * The stable code carried in {@link #CODE_HEADER}: the constant's name in lower case with
     * hyphens ({@code NO_LABEL_REQUEST} is {@code no-label-request}), so the two cannot drift.
     */
    public String code() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** What the reason means, for the README's table. */
    public String meaning() {
      return meaning;
    }

    /** The reason in words for one record. */
    public String text(String detail) {
      return prefix + detail;
    }
  }

  private DeadLetters() {}

  /** The original headers plus code, reason and source. */
  public static Headers headers(
      Iterable<Header> original,
      Reason reason,
      String text,
      String topic,
      int partition,
      long offset) {
    RecordHeaders headers = new RecordHeaders();
    if (original != null) {
      original.forEach(headers::add);
    }
    headers.add(CODE_HEADER, reason.code().getBytes(StandardCharsets.UTF_8));
    headers.add(REASON_HEADER, text.getBytes(StandardCharsets.UTF_8));
    headers.add(
        SOURCE_HEADER, (topic + "/" + partition + "@" + offset).getBytes(StandardCharsets.UTF_8));
    return headers;
  }

  /**
   * The dead letter of a consumed record: its key, value and headers, plus the reason's code and
   * text ({@code reason.text(detail)}) and its source.
   */
  public static ProducerRecord<String, byte[]> record(
      String dlqTopic, ConsumerRecord<String, byte[]> original, Reason reason, String detail) {
    Headers headers =
        headers(
            original.headers(),
            reason,
            reason.text(detail),
            original.topic(),
            original.partition(),
            original.offset());
    return new ProducerRecord<>(dlqTopic, null, original.key(), original.value(), headers);
  }

  /** The reason header of a DLQ record, or null. */
  public static String reason(Headers headers) {
    return text(headers, REASON_HEADER);
  }

  /** The code header of a DLQ record, or null. */
  public static String code(Headers headers) {
    return text(headers, CODE_HEADER);
  }

  private static String text(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
