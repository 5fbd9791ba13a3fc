package dev.allspark.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.allspark.ops.ServiceMeters;
import dev.allspark.schemas.kafka.TopicCatalog;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableSet;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The follower's choice of version (never back, a pin honoured, refused ones skipped) and, issue
 * 13, its thread surviving client errors that can pass while liveness says so when they cannot.
 */
class ModelFollowerTest {
  private static NavigableSet<Long> files(long... versions) {
    NavigableSet<Long> s = new TreeSet<>();
    for (long v : versions) {
      s.add(v);
    }
    return s;
  }

  @Test
  void followingTheNewestLoadsTheNewestFileNotRefused() {
    assertThat(ModelFollower.next(OptionalLong.empty(), files(1, 2, 3), Set.of(), -1)).hasValue(3);
    assertThat(ModelFollower.next(OptionalLong.empty(), files(1, 2, 3), Set.of(3L), 1)).hasValue(2);
    assertThat(ModelFollower.next(OptionalLong.empty(), files(), Set.of(), -1)).isEmpty();
  }

  @Test
  void followingTheNewestNeverGoesBack() {
    // serving 5; only older files are left (5 refused after a restart elsewhere, say)
    assertThat(ModelFollower.next(OptionalLong.empty(), files(3, 4), Set.of(), 5)).isEmpty();
    // the newest is refused: an older one is not taken instead once 5 is served
    assertThat(ModelFollower.next(OptionalLong.empty(), files(4, 6), Set.of(6L), 5)).isEmpty();
    // already serving the newest
    assertThat(ModelFollower.next(OptionalLong.empty(), files(4, 5), Set.of(), 5)).isEmpty();
  }

  @Test
  void aPinIsHonouredEvenBackwardsAndOnlyOnceItsFileIsHere() {
    assertThat(ModelFollower.next(OptionalLong.of(2), files(1, 3), Set.of(), -1)).isEmpty();
    assertThat(ModelFollower.next(OptionalLong.of(2), files(1, 2, 3), Set.of(), 3)).hasValue(2);
    assertThat(ModelFollower.next(OptionalLong.of(2), files(1, 2, 3), Set.of(), 2)).isEmpty();
  }

  @Test
  void aRefusedPinIsNotLoadedAgain() {
    assertThat(ModelFollower.next(OptionalLong.of(2), files(2, 3), Set.of(2L), -1)).isEmpty();
  }

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
    try (ModelFollower f = follower("nowhere.", c)) {
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
    try (ModelFollower f = follower("any.", c)) {
      assertThat(f.alive()).isTrue();
      f.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> !f.alive());
      assertThat(f.problem()).contains("Kafka client settings are refused").contains("JAAS");
    }
  }

  /** A follower of {@code <prefix>model.checkpoints} with these consumer settings, no pin. */
  private static ModelFollower follower(String prefix, Map<String, Object> consumer) {
    InferenceSettings settings =
        InferenceSettings.builder("localhost:9")
            .topics(TopicCatalog.prefixed(prefix))
            .set(InferenceSettings.Key.INPUT_SIZE, "64x48")
            .build();
    return new ModelFollower(
        settings, consumer, new ModelSlot(new InferenceMetrics()), new ServiceMeters("inference"));
  }
}
