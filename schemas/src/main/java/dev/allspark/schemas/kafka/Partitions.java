package dev.allspark.schemas.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * A consumer that reads a whole topic by assignment (no group): its partitions, waiting while the
 * topic does not exist yet, from their beginning, up to the end they had when asked. Used by every
 * reader that starts a topic from its beginning ({@code model.checkpoints}, {@code
 * frames.labeled}).
 */
public final class Partitions {
  private Partitions() {}

  /** The topic's partitions, or an empty list while it does not exist (asked for up to wait). */
  public static List<TopicPartition> of(
      org.apache.kafka.clients.consumer.Consumer<?, ?> consumer, String topic, Duration wait) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, wait);
    List<TopicPartition> out = new ArrayList<>();
    if (infos != null) {
      for (PartitionInfo info : infos) {
        out.add(new TopicPartition(topic, info.partition()));
      }
    }
    return out;
  }

  /**
   * The topic's partitions, asking again every second while it does not exist and {@code go} holds;
   * {@code missing} is told why it waits, then {@code null} once the topic is there. Empty when
   * {@code go} turned false first.
   */
  public static List<TopicPartition> await(
      org.apache.kafka.clients.consumer.Consumer<?, ?> consumer,
      String topic,
      BooleanSupplier go,
      Consumer<String> missing) {
    while (go.getAsBoolean()) {
      List<TopicPartition> out = of(consumer, topic, Duration.ofSeconds(10));
      if (!out.isEmpty()) {
        missing.accept(null);
        return out;
      }
      missing.accept("topic " + topic + " does not exist yet");
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return List.of();
  }

  /** Assigns the partitions to the consumer from their beginning; returns their end offsets. */
  public static Map<TopicPartition, Long> rewind(
      org.apache.kafka.clients.consumer.Consumer<?, ?> consumer, List<TopicPartition> partitions) {
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer.endOffsets(partitions);
  }

  /** True once the consumer's position on every partition has reached the given end. */
  public static boolean reached(
      org.apache.kafka.clients.consumer.Consumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads the partitions once from their beginning to the end they had when asked, handing every
   * record over; stops early when {@code go} turns false.
   *
   * <p>A {@code read_committed} consumer's end offsets are the last stable offsets, and a
   * transaction's records only become stable once its markers are written, which the broker does
   * <em>after</em> it has answered {@code commitTransaction}. So a read that takes its end right
   * after a commit can miss the transaction just committed. With {@code logEnd} (the high
   * watermarks, as a {@code read_uncommitted} view gives them) the read first waits, up to {@code
   * maxWait}, until every transaction that had written to the partitions when asked is decided, and
   * then reads up to there. Without it ({@code null}) it reads up to the last stable offsets.
   *
   * @return null when the read is complete, else why it is not (the wait ran out)
   */
  public static String readToEnd(
      org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer,
      List<TopicPartition> partitions,
      BooleanSupplier go,
      Consumer<ConsumerRecord<String, byte[]>> handler,
      Map<TopicPartition, Long> logEnd,
      Duration maxWait) {
    Map<TopicPartition, Long> end = rewind(consumer, partitions);
    String unsettled = null;
    if (logEnd != null) {
      long deadline = System.nanoTime() + maxWait.toNanos();
      while ((unsettled = unsettled(end, logEnd)) != null
          && go.getAsBoolean()
          && System.nanoTime() < deadline) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return "interrupted while " + unsettled;
        }
        end = consumer.endOffsets(partitions);
      }
    }
    while (go.getAsBoolean() && !reached(consumer, end)) {
      consumer.poll(Duration.ofMillis(200)).forEach(handler);
    }
    return unsettled;
  }

  /** Reads up to the last stable offsets (see the other overload). */
  public static void readToEnd(
      org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer,
      List<TopicPartition> partitions,
      BooleanSupplier go,
      Consumer<ConsumerRecord<String, byte[]>> handler) {
    readToEnd(consumer, partitions, go, handler, null, Duration.ZERO);
  }

  /** Why the stable ends are not yet at the log ends, or null when they are. */
  private static String unsettled(
      Map<TopicPartition, Long> stable, Map<TopicPartition, Long> logEnd) {
    for (Map.Entry<TopicPartition, Long> e : logEnd.entrySet()) {
      long at = stable.getOrDefault(e.getKey(), 0L);
      if (at < e.getValue()) {
        return "a transaction on "
            + e.getKey()
            + " is not decided yet (last stable offset "
            + at
            + " < log end "
            + e.getValue()
            + ")";
      }
    }
    return null;
  }

  /** True when the topic holds any record at all (its end offsets are not all 0). */
  public static boolean anyRecord(
      org.apache.kafka.clients.consumer.Consumer<?, ?> consumer, String topic) {
    List<TopicPartition> partitions = of(consumer, topic, Duration.ofSeconds(10));
    return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum() > 0;
  }
}
