package dev.allspark.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Issue 13: the follower thread died on a client error while liveness still said alive. */
class ModelFollowerTest {
  @Test
  void aBrokerOutOfReachIsRetriedAndReported() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Map<String, Object> c = new HashMap<>();
    c.put("bootstrap.servers", "127.0.0.1:" + port);
    c.put("default.api.timeout.ms", 1000);
    c.put("request.timeout.ms", 1000);
    try (ModelFollower f =
        new ModelFollower("nowhere.model.checkpoints", c, OptionalLong.empty(), 64, 48)) {
      f.start();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> f.problem() != null && f.problem().startsWith("cannot read"));
      Thread.sleep(3000); // a few retries later
      assertThat(f.alive()).as("still following, retrying").isTrue();
    }
  }

  @Test
  void clientSettingsThatCanNeverWorkEndItAndLivenessSaysSo() {
    Map<String, Object> c = new HashMap<>();
    c.put("bootstrap.servers", "127.0.0.1:9");
    c.put("security.protocol", "SASL_PLAINTEXT");
    c.put("sasl.mechanism", "PLAIN"); // and no sasl.jaas.config
    try (ModelFollower f =
        new ModelFollower("any.model.checkpoints", c, OptionalLong.empty(), 64, 48)) {
      assertThat(f.alive()).isTrue();
      f.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> !f.alive());
      assertThat(f.problem()).contains("Kafka client settings are refused").contains("JAAS");
    }
  }
}
