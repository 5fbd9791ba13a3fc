package dev.allspark.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allspark.schemas.kafka.Topic;
import dev.allspark.testkit.KafkaBroker;
import dev.allspark.testkit.KafkaIntegrationTest;
import java.util.Arrays;
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
  }
}
