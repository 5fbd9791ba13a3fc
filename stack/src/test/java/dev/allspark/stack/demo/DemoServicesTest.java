package dev.allspark.stack.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allspark.bridge.BridgeSettings;
import dev.allspark.inference.InferenceSettings;
import dev.allspark.ingest.IngestSettings;
import dev.allspark.ops.settings.SettingTable;
import dev.allspark.trainer.online.OnlineSettings;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The demo's fixed service settings ({@code services.properties}) are real and parse. */
class DemoServicesTest {
  private static final List<SettingTable> SERVICES =
      List.of(
          BridgeSettings.TABLE,
          OnlineSettings.TABLE,
          InferenceSettings.TABLE,
          IngestSettings.TABLE);

  /** A misspelled name would be ignored by every service: the demo would silently differ. */
  @Test
  void everyNameIsASettingOfOneService() {
    assertThat(LocalStack.FIXED).isNotEmpty();
    Map<String, Long> owners = new TreeMap<>();
    for (String env : LocalStack.FIXED.keySet()) {
      owners.put(env, SERVICES.stream().filter(t -> t.byEnv(env) != null).count());
    }
    assertThat(owners).allSatisfy((env, n) -> assertThat(n).as(env).isEqualTo(1L));
  }

  @Test
  void eachServiceTakesItsOwnAndTheValuesParse() {
    assertThat(LocalStack.fixed(OnlineSettings.TABLE))
        .containsEntry("ALLSPARK_TRAINER_BATCH", "4")
        .doesNotContainKey("ALLSPARK_INFERENCE_MAX_BATCH");
    OnlineSettings trainer =
        OnlineSettings.builder("localhost:9092")
            .putAll(LocalStack.fixed(OnlineSettings.TABLE))
            .build();
    assertThat(trainer.batch()).isEqualTo(4);
    InferenceSettings inference =
        InferenceSettings.builder("localhost:9092")
            .putAll(LocalStack.fixed(InferenceSettings.TABLE))
            .build();
    assertThat(inference.maxBatch()).isEqualTo(4);
    assertThat(inference.groupId()).isEqualTo("allspark-demo-inference");
    BridgeSettings bridge =
        BridgeSettings.builder("localhost:9092")
            .putAll(LocalStack.fixed(BridgeSettings.TABLE))
            .set(BridgeSettings.Key.TOKEN, "a-token-of-sixteen")
            .build();
    assertThat(bridge.applicationId()).isEqualTo("allspark-demo-bridge");
    assertThat(bridge.coldStart()).isZero();
    IngestSettings ingest =
        IngestSettings.builder("localhost:9092")
            .putAll(LocalStack.fixed(IngestSettings.TABLE))
            .build();
    assertThat(ingest.loop()).isTrue();
  }
}
