package dev.allspark.trainer.online;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allspark.testkit.KafkaBroker;
import dev.allspark.testkit.KafkaIntegrationTest;
import dev.allspark.testkit.TopicReader;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * {@code commitTransaction} returns once the coordinator has logged the commit; the markers that
 * make the records visible to {@code read_committed} consumers are written afterwards. A reader
 * that takes the last stable offset "as of now" right after a commit can therefore miss the
 * transaction just committed (PublisherIT failed this way in CI: version 3 committed, not read
 * back).
 */
@KafkaIntegrationTest
class TopicReaderIT {
  @Test
  void aTransactionCommittedJustBeforeIsAlwaysReadBack(KafkaBroker kafka) throws Exception {
    String topic = "rd-" + UUID.randomUUID().toString().substring(0, 8);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    int missed = 0;
    int rounds = 20;
    try (KafkaProducer<String, byte[]> p =
        new KafkaProducer<>(
            Map.of(
                "bootstrap.servers",
                kafka.bootstrapServers(),
                "transactional.id",
                "rd-" + UUID.randomUUID()),
            new StringSerializer(),
            new ByteArraySerializer())) {
      p.initTransactions();
      for (int i = 1; i <= rounds; i++) {
        p.beginTransaction();
        p.send(new ProducerRecord<>(topic, "k" + i, new byte[] {(byte) i}));
        p.commitTransaction();
        int seen = TopicReader.readToEnd(kafka.bootstrapServers(), topic).size();
        if (seen != i) {
          missed++;
        }
      }
    }
    assertThat(missed).as("reads that missed the transaction committed just before").isZero();
  }
}
