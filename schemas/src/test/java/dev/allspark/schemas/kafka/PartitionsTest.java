package dev.allspark.schemas.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * A broker answers {@code commitTransaction} before it writes the markers that move the last stable
 * offset past the transaction (Kafka's TransactionCoordinator responds, then sends the markers):
 * PublisherIT once read the checkpoint topic in that window and missed the version just committed.
 * Here the window is made long on purpose: the stable end stays behind the log end for five asks.
 */
class PartitionsTest {
  private static final TopicPartition TP = new TopicPartition("model.checkpoints", 0);

  /** A consumer whose stable end reaches 2 only on the sixth ask, as when markers are late. */
  private static MockConsumer<String, byte[]> lateMarkers(AtomicInteger asks) {
    MockConsumer<String, byte[]> c =
        new MockConsumer<>(
            org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy.EARLIEST.name()) {
          @Override
          public synchronized Map<TopicPartition, Long> endOffsets(
              java.util.Collection<TopicPartition> partitions) {
            if (asks.incrementAndGet() == 6) {
              addRecord(new ConsumerRecord<>(TP.topic(), 0, 1, "v2/manifest", new byte[0]));
              updateEndOffsets(Map.of(TP, 2L));
            }
            return super.endOffsets(partitions);
          }
        };
    c.updateBeginningOffsets(Map.of(TP, 0L));
    c.updateEndOffsets(Map.of(TP, 1L));
    c.assign(List.of(TP));
    c.addRecord(new ConsumerRecord<>(TP.topic(), 0, 0, "v1/manifest", new byte[0]));
    return c;
  }

  @Test
  void withTheLogEndTheReadWaitsForTheTransactionJustCommitted() {
    AtomicInteger asks = new AtomicInteger();
    List<String> keys = new ArrayList<>();
    String unsettled =
        Partitions.readToEnd(
            lateMarkers(asks),
            List.of(TP),
            () -> true,
            r -> keys.add(r.key()),
            Map.of(TP, 2L),
            Duration.ofSeconds(10));
    assertThat(unsettled).isNull();
    assertThat(keys).containsExactly("v1/manifest", "v2/manifest");
  }

  @Test
  void withoutItTheReadStopsAtTheStableEndAndMissesIt() {
    List<String> keys = new ArrayList<>();
    Partitions.readToEnd(
        lateMarkers(new AtomicInteger()), List.of(TP), () -> true, r -> keys.add(r.key()));
    assertThat(keys).containsExactly("v1/manifest");
  }

  @Test
  void aTransactionThatStaysOpenIsNamedAfterTheWait() {
    List<String> keys = new ArrayList<>();
    String unsettled =
        Partitions.readToEnd(
            lateMarkers(new AtomicInteger(-1000)),
            List.of(TP),
            () -> true,
            r -> keys.add(r.key()),
            Map.of(TP, 2L),
            Duration.ofMillis(100));
    assertThat(unsettled)
        .isEqualTo(
            "a transaction on model.checkpoints-0 is not decided yet (last stable offset 1 < log"
                + " end 2)");
    assertThat(keys).containsExactly("v1/manifest");
  }
}
