package dev.allspark.stack.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.allspark.schemas.Segmentation;
import dev.allspark.schemas.kafka.SchemaRegistry;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.testkit.ApicurioStandInResolver;
import dev.allspark.testkit.RegistryStandIn;
import dev.allspark.testkit.TopicReader;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One setting ({@code ALLSPARK_SCHEMA_REGISTRY_URL}, here its system property) switches every
 * service to the Confluent wire format: the whole local stack runs with it, and every record on
 * every Avro topic (frames, label requests, masks, labeled frames, segmentations, checkpoints) is
 * then read by Apicurio Registry's standard deserializer, with the schemas registered under {@code
 * <topic>-value} when the topics were created.
 */
class RegistryWireIT {
  @Test
  void everyServiceWritesTheConfluentWireFormatAndAStandardDeserializerReadsEveryTopic(
      @TempDir Path tmp) throws Exception {
    try (RegistryStandIn registry = new RegistryStandIn()) {
      ApicurioStandInResolver.use(registry);
      System.setProperty(SchemaRegistry.URL_PROPERTY, registry.url());
      Map<String, List<ConsumerRecord<String, byte[]>>> topics = new HashMap<>();
      try {
        DemoSettings settings =
            LocalStackIT.small(tmp.resolve("state")).build(); // one camera, 96x72 frames
        try (LocalStack stack = new LocalStack(settings)) {
          await()
              .atMost(Duration.ofMinutes(5))
              .pollInterval(Duration.ofSeconds(2))
              .until(
                  () ->
                      stack.trainer().publishedVersion() >= 1
                          && stack.inference().progress().frames() >= 10);
          stack.ingest().close();
          for (Topic t : Topic.values()) {
            if (t.valueType() != null) {
              topics.put(
                  t.defaultName(), TopicReader.readToEnd(stack.bootstrap(), t.defaultName()));
            }
          }
        }
      } finally {
        System.clearProperty(SchemaRegistry.URL_PROPERTY);
      }

      // topics create registered every value schema under <topic>-value
      Map<String, List<Integer>> subjects = registry.subjects();
      for (Topic t : Topic.values()) {
        if (t.valueType() != null) {
          assertThat(subjects).containsKey(t.defaultName() + "-value");
        }
      }
      // every record the services wrote is in the Confluent wire format and reads
      for (String topic :
          List.of(
              "camera.frames",
              "frames.to-label",
              "labels.masks",
              "frames.labeled",
              "segmentations",
              "model.checkpoints")) {
        List<ConsumerRecord<String, byte[]>> records = topics.get(topic);
        assertThat(records).as(topic).isNotEmpty();
        try (AvroKafkaDeserializer<Object> apicurio = new AvroKafkaDeserializer<>()) {
          apicurio.configure(ApicurioStandInResolver.serdeConfig(), false);
          for (ConsumerRecord<String, byte[]> r : records) {
            if (r.value() == null) {
              continue; // a tombstone
            }
            assertThat(r.value()[0]).as(topic + " magic byte").isZero();
            int id = java.nio.ByteBuffer.wrap(r.value(), 1, 4).getInt();
            assertThat(subjects.get(topic + "-value")).as(topic + " schema id").contains(id);
            Object read = apicurio.deserialize(topic, r.value());
            assertThat(read).as(topic).isInstanceOf(Topic.valueOf(constant(topic)).valueType());
            if (read instanceof Segmentation s) {
              assertThat(s.getFrameId()).isEqualTo(r.key());
            }
          }
        }
      }
    }
  }

  private static String constant(String topic) {
    return topic.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}
