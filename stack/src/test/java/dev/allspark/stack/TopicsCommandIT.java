package dev.allspark.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allspark.schemas.kafka.Topic;
import dev.allspark.testkit.KafkaBroker;
import dev.allspark.testkit.KafkaIntegrationTest;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

@KafkaIntegrationTest
class TopicsCommandIT {

  @Test
  void createsEveryTopicAgainstARunningBrokerAndIsIdempotent(KafkaBroker kafka) throws Exception {
    AllSparkCommandTest.Run first =
        AllSparkCommandTest.run("topics", "create", "--bootstrap", kafka.bootstrapServers());
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.out()).contains(Topic.values().length + " created, 0 already there");

    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      Set<String> names = admin.listTopics().names().get();
      assertThat(names).containsAll(Arrays.stream(Topic.values()).map(Topic::defaultName).toList());
    }

    AllSparkCommandTest.Run second =
        AllSparkCommandTest.run("topics", "create", "--bootstrap", kafka.bootstrapServers());
    assertThat(second.exitCode()).isZero();
    assertThat(second.out())
        .contains("0 created, " + Topic.values().length + " already there, 0 settings differ");

    // more partitions for camera.frames (more inference replicas): grown, as a Helm upgrade's
    // topics job does; a compacted topic is not grown and the difference is reported
    AllSparkCommandTest.Run grow = create(kafka, "camera.frames=8", "frames.to-label=5");
    assertThat(grow.exitCode()).as(grow.out()).isEqualTo(3);
    assertThat(grow.out())
        .contains("note      camera.frames: grown from 6 to 8 partitions")
        .contains("DIFFERS   frames.to-label: 3 partitions, asked for 5 (compacted: not grown");
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      var d =
          admin.describeTopics(List.of("camera.frames", "frames.to-label")).allTopicNames().get();
      assertThat(d.get("camera.frames").partitions()).hasSize(8);
      assertThat(d.get("frames.to-label").partitions()).hasSize(3);
    }
    AllSparkCommandTest.Run again = create(kafka, "camera.frames=8");
    assertThat(again.exitCode()).as(again.out()).isZero();
    assertThat(again.out()).doesNotContain("grown");

    AllSparkCommandTest.Run unknown = create(kafka, "frames=2");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("--partitions: no topic is named 'frames'");

    registersEveryValueSchemaWithASchemaRegistry(kafka);
  }

  /** Part of the test above: the broker is shared, and that test counts the topics it creates. */
  private static void registersEveryValueSchemaWithASchemaRegistry(KafkaBroker kafka)
      throws Exception {
    try (dev.allspark.testkit.RegistryStandIn registry =
        new dev.allspark.testkit.RegistryStandIn()) {
      AllSparkCommandTest.Run run = createWithRegistry(kafka, registry.url());
      assertThat(run.exitCode()).as(run.err()).isZero();
      long avroTopics = Arrays.stream(Topic.values()).filter(t -> t.valueType() != null).count();
      assertThat(registry.subjects()).hasSize((int) avroTopics);
      assertThat(run.out())
          .contains("schema    segmentations-value id ")
          .contains("schema    model.checkpoints-value id ");
      // a second run registers nothing new: same ids
      AllSparkCommandTest.Run again = createWithRegistry(kafka, registry.url());
      assertThat(again.exitCode()).isZero();
      assertThat(registry.subjects().values()).allSatisfy(v -> assertThat(v).hasSize(1));
      String url = registry.url();
      registry.close();
      AllSparkCommandTest.Run down = createWithRegistry(kafka, url);
      assertThat(down.exitCode()).isNotZero();
      assertThat(down.err()).contains("schema registry " + url + " cannot be reached");
    }
  }

  /** {@code topics create} on the test broker with these {@code --partitions TOPIC=N}. */
  private static AllSparkCommandTest.Run create(KafkaBroker kafka, String... partitions)
      throws Exception {
    List<String> args =
        new java.util.ArrayList<>(
            List.of("topics", "create", "--bootstrap", kafka.bootstrapServers()));
    for (String p : partitions) {
      args.add("--partitions");
      args.add(p);
    }
    return AllSparkCommandTest.run(args.toArray(String[]::new));
  }

  private static AllSparkCommandTest.Run createWithRegistry(KafkaBroker kafka, String url)
      throws Exception {
    return AllSparkCommandTest.run(
        "topics", "create", "--bootstrap", kafka.bootstrapServers(), "--schema-registry", url);
  }
}
