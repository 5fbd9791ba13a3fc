package dev.allspark.trainer.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.allspark.schemas.kafka.CheckpointTopic;
import dev.allspark.testkit.KafkaBroker;
import dev.allspark.testkit.KafkaIntegrationTest;
import dev.allspark.testkit.TopicReader;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Publication through an outage: while the broker cannot be reached the publisher fails, says why,
 * and tries again; a newer checkpoint replaces the waiting one; once the broker is back the newest
 * is committed in one transaction. (Before issue 13 a failed publication ended the trainer.)
 */
@KafkaIntegrationTest
class PublisherIT {
  @Test
  void retriesThroughAnOutageAndPublishesTheNewestCheckpoint(KafkaBroker kafka) throws Exception {
    String topic = "pub-" + UUID.randomUUID().toString().substring(0, 8) + ".model.checkpoints";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort(); // nothing listens there once closed: a broker that is down
    }
    AtomicBoolean down = new AtomicBoolean(true);
    AtomicInteger producersMade = new AtomicInteger();
    List<Long> committed = new java.util.concurrent.CopyOnWriteArrayList<>();
    String txId = "pub-test-" + UUID.randomUUID();
    Publisher publisher =
        new Publisher(
            () -> {
              producersMade.incrementAndGet();
              Map<String, Object> c = new HashMap<>();
              c.put(
                  "bootstrap.servers",
                  down.get() ? "127.0.0.1:" + deadPort : kafka.bootstrapServers());
              c.put("transactional.id", txId);
              c.put("max.block.ms", 1000);
              c.put("delivery.timeout.ms", 2000);
              c.put("request.timeout.ms", 1000);
              return new KafkaProducer<>(c, new StringSerializer(), new ByteArraySerializer());
            },
            topic,
            -1,
            (p, at) -> committed.add(p.version()));
    try {
      publisher.start();
      publisher.submit(pending(1));
      await().atMost(Duration.ofSeconds(20)).until(() -> publisher.failures() >= 2);
      assertThat(publisher.problem()).contains("publication of version 1 failed");
      assertThat(publisher.committed()).isEqualTo(-1);
      publisher.submit(pending(2)); // replaces version 1, which never got out
      down.set(false);
      await().atMost(Duration.ofSeconds(60)).until(() -> publisher.committed() == 2);
      assertThat(publisher.problem()).isNull();
      assertThat(committed).containsExactly(2L);
      assertThat(producersMade.get()).isGreaterThanOrEqualTo(3);
      publisher.submit(pending(3));
      boolean drained = publisher.drain(Duration.ofSeconds(30));
      // on failure, say what the publisher knew
      String state =
          "fatal="
              + publisher.fatal()
              + " problem="
              + publisher.problem()
              + " failures="
              + publisher.failures()
              + " committed="
              + publisher.committed();
      assertThat(drained).as(state).isTrue();
      assertThat(committed).as(state).containsExactly(2L, 3L);
    } finally {
      publisher.close();
    }
    // on the topic: versions 2 and 3, complete, 3's parent 2; nothing of version 1
    CheckpointTopic.Reader reader = CheckpointTopic.Reader.files();
    List<CheckpointTopic.Published> out = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r :
        TopicReader.readToEnd(kafka.bootstrapServers(), topic)) {
      assertThat(r.key()).doesNotStartWith("v1/");
      if (reader.accept(r) instanceof CheckpointTopic.Complete done) {
        out.add(done.checkpoint());
      }
    }
    assertThat(out).extracting(p -> p.manifest().getVersion()).containsExactly(2L, 3L);
    assertThat(out.get(0).manifest().getParentVersion()).isNull();
    assertThat(out.get(1).manifest().getParentVersion()).isEqualTo(2L);
    assertThat(out.get(1).file()).isEqualTo(pending(3).file());
  }

  /** Issue 13: model.checkpoints kept every version forever; start-up read them all. */
  @Test
  void versionsBeyondTheRetainedOnesAreRemovedByTombstonesExceptPinnedOnes(KafkaBroker kafka)
      throws Exception {
    String topic = "ret-" + UUID.randomUUID().toString().substring(0, 8) + ".model.checkpoints";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    String txId = "ret-test-" + UUID.randomUUID();
    Publisher publisher =
        new Publisher(
            () ->
                new KafkaProducer<>(
                    Map.of(
                        "bootstrap.servers",
                        kafka.bootstrapServers(),
                        "transactional.id",
                        txId,
                        "max.request.size",
                        4 << 20),
                    new StringSerializer(),
                    new ByteArraySerializer()),
            topic,
            -1,
            (p, at) -> {},
            2,
            java.util.Set.of(1L),
            Map.of());
    try {
      publisher.start();
      for (long v = 1; v <= 5; v++) {
        publisher.submit(pending(v, 2_500_000)); // three chunks each
        assertThat(publisher.drain(Duration.ofSeconds(30))).isTrue();
      }
      assertThat(publisher.removed()).isEqualTo(2);
    } finally {
      publisher.close();
    }
    // the topic's last word per key: versions 2 and 3 are tombstones, chunks and manifests
    Map<String, byte[]> latest = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r :
        TopicReader.readToEnd(kafka.bootstrapServers(), topic)) {
      latest.put(r.key(), r.value());
    }
    for (long v = 1; v <= 5; v++) {
      boolean kept = v == 1 || v >= 4;
      for (String key :
          List.of(
              CheckpointTopic.manifestKey(v),
              CheckpointTopic.chunkKey(v, 0),
              CheckpointTopic.chunkKey(v, 2))) {
        assertThat(latest).as(key).containsKey(key);
        assertThat(latest.get(key) != null).as(key + " still there").isEqualTo(kept);
      }
    }
  }

  private static Publisher.Pending pending(long version, int size) {
    byte[] file = new byte[size];
    for (int i = 0; i < file.length; i++) {
      file[i] = (byte) (version * 31 + i);
    }
    return new Publisher.Pending(version, file, Map.of("val.mIoU", 0.5), List.of(), 0.5);
  }

  private static Publisher.Pending pending(long version) {
    byte[] file = new byte[3000];
    for (int i = 0; i < file.length; i++) {
      file[i] = (byte) (version * 31 + i);
    }
    return new Publisher.Pending(version, file, Map.of("val.mIoU", 0.5), List.of(), 0.5);
  }
}
