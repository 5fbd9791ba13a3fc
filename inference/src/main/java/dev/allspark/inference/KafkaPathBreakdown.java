package dev.allspark.inference;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code bench inference}'s figures of the Kafka path: the stage breakdown and the broker floor.
 */
final class KafkaPathBreakdown {
  private KafkaPathBreakdown() {}

  /**
   * Per stage of {@link FrameTrace} plus {@code visible} (commit to the reader's poll returning the
   * result), p50 and p99 over the steady stream's frames; and the overhead, end to end (as the
   * reader saw it) minus the frame's model time.
   */
  static Map<String, Object> breakdown(Map<String, FrameTrace> traces, Map<String, Long> seenAt) {
    Map<String, List<Double>> stages = new LinkedHashMap<>();
    for (String stage : FrameTrace.STAGES) {
      stages.put(stage, new ArrayList<>());
    }
    stages.put("visible", new ArrayList<>());
    List<Double> overhead = new ArrayList<>();
    for (Map.Entry<String, Long> seen : seenAt.entrySet()) {
      FrameTrace t = traces.get(seen.getKey());
      if (t == null) {
        continue;
      }
      for (String stage : FrameTrace.STAGES) {
        stages.get(stage).add(t.stageMs(stage));
      }
      double visible = Math.max(0, seen.getValue() - t.committedAtMillis());
      stages.get("visible").add(visible);
      overhead.add(seen.getValue() - t.capturedAtMillis() - t.modelMs());
    }
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> table = new LinkedHashMap<>();
    stages.forEach(
        (stage, values) -> {
          Collections.sort(values);
          table.put(
              stage,
              Map.of(
                  "p50Ms",
                  values.isEmpty() ? -1 : round(percentile(values, 0.5)),
                  "p99Ms",
                  values.isEmpty() ? -1 : round(percentile(values, 0.99))));
        });
    Collections.sort(overhead);
    out.put("tracedFrames", overhead.size());
    out.put("breakdown", table);
    out.put("overheadP50Ms", overhead.isEmpty() ? null : round(percentile(overhead, 0.5)));
    out.put("overheadP99Ms", overhead.isEmpty() ? null : round(percentile(overhead, 0.99)));
    return out;
  }

  /**
   * The broker's own cost of what the service does per batch, without the service: a transaction of
   * one 10 KB record plus consumer offsets, {@code n} times on a scratch topic (p50/p99 of begin to
   * commit returned). The commit stage cannot be below it.
   */
  static Map<String, Object> transactionFloor(String bootstrap, String topic, int n)
      throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin
          .createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1)))
          .all()
          .get();
    }
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", bootstrap);
    config.put("transactional.id", "bench-floor-" + UUID.randomUUID());
    config.put("acks", "all");
    config.put("linger.ms", 5);
    List<Double> ms = new ArrayList<>();
    byte[] value = new byte[10 << 10];
    TopicPartition tp = new TopicPartition(topic, 0);
    var group = new org.apache.kafka.clients.consumer.ConsumerGroupMetadata("bench-floor");
    try (KafkaProducer<String, byte[]> p =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      p.initTransactions();
      for (int i = 0; i < n + 10; i++) {
        long t0 = System.nanoTime();
        p.beginTransaction();
        p.send(new ProducerRecord<>(topic, "k", value));
        p.sendOffsetsToTransaction(
            Map.of(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(i)), group);
        p.commitTransaction();
        if (i >= 10) {
          ms.add((System.nanoTime() - t0) / 1e6);
        }
        // at the service's cadence (a transaction per forward pass): back to back, the next
        // transaction's first request meets the last one's markers still being written
        // (CONCURRENT_TRANSACTIONS) and waits out the client's retry back-off
        Thread.sleep(50);
      }
    }
    Collections.sort(ms);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("transactionFloorP50Ms", round(percentile(ms, 0.5)));
    out.put("transactionFloorP99Ms", round(percentile(ms, 0.99)));
    return out;
  }

  /** The value at share {@code p} of a sorted list (null when empty). */
  static <T extends Number> T percentile(List<T> sorted, double p) {
    if (sorted.isEmpty()) {
      return null;
    }
    return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(p * sorted.size())));
  }

  /** Two decimals, for JSON. */
  static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
