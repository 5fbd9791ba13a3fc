package dev.allspark.trainer.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allspark.trainer.Optimizer;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnlineSettingsTest {
  static Map<String, String> base() {
    return new HashMap<>(OnlineSettings.defaults("localhost:9092"));
  }

  @Test
  void theOptimizerAndItsDefaultWeightDecayAreSettings() {
    OnlineSettings sgd = OnlineSettings.from(base());
    assertThat(sgd.optimizer()).isEqualTo(Optimizer.Kind.SGD);
    assertThat(sgd.weightDecay()).isEqualTo(1e-4f);
    assertThat(sgd.unlabeledFrom()).isZero();

    Map<String, String> values = base();
    values.put("ALLSPARK_TRAINER_OPTIMIZER", "AdamW");
    values.put("ALLSPARK_TRAINER_UNLABELED_FROM", "1000");
    OnlineSettings adamw = OnlineSettings.from(values);
    assertThat(adamw.optimizer()).isEqualTo(Optimizer.Kind.ADAMW);
    assertThat(adamw.weightDecay()).isEqualTo(0.01f);
    assertThat(adamw.unlabeledFrom()).isEqualTo(1000);

    values.put("ALLSPARK_TRAINER_WEIGHT_DECAY", "0.05");
    assertThat(OnlineSettings.from(values).weightDecay()).isEqualTo(0.05f);
  }

  @Test
  void badValuesAreRefusedNamingTheSetting() {
    Map<String, String> values = base();
    values.put("ALLSPARK_TRAINER_OPTIMIZER", "adam");
    assertThatThrownBy(() -> OnlineSettings.from(values))
        .hasMessageContaining("ALLSPARK_TRAINER_OPTIMIZER")
        .hasMessageContaining("expected sgd or adamw");
    values.put("ALLSPARK_TRAINER_OPTIMIZER", "sgd");
    values.put("ALLSPARK_TRAINER_WEIGHT_DECAY", "-1");
    assertThatThrownBy(() -> OnlineSettings.from(values))
        .hasMessageContaining("ALLSPARK_TRAINER_WEIGHT_DECAY");
    values.remove("ALLSPARK_TRAINER_WEIGHT_DECAY");
    values.put("ALLSPARK_TRAINER_UNLABELED_FROM", "soon");
    assertThatThrownBy(() -> OnlineSettings.from(values))
        .hasMessageContaining("ALLSPARK_TRAINER_UNLABELED_FROM");
  }
}
