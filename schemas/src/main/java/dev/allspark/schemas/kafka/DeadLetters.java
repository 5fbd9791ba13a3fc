package dev.allspark.schemas.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The headers every {@code .dlq} record carries besides the original record's own: why it was
 * refused, and where it came from. The value and key are the original bytes, untouched, so a fixed
 * record can be replayed as it was.
 */
public final class DeadLetters {
  /** Why the record was refused (UTF-8 text meant for people). */
  public static final String REASON_HEADER = "allspark.dlq.reason";

  /** Where it came from: {@code topic/partition@offset}. */
  public static final String SOURCE_HEADER = "allspark.dlq.source";

  private DeadLetters() {}

  /** The original headers plus reason and source. */
  public static Headers headers(
      Iterable<Header> original, String reason, String topic, int partition, long offset) {
    RecordHeaders headers = new RecordHeaders();
    if (original != null) {
      original.forEach(headers::add);
    }
    headers.add(REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
    headers.add(
        SOURCE_HEADER, (topic + "/" + partition + "@" + offset).getBytes(StandardCharsets.UTF_8));
    return headers;
  }

  /** The reason header of a DLQ record, or null. */
  public static String reason(Headers headers) {
    Header h = headers.lastHeader(REASON_HEADER);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
