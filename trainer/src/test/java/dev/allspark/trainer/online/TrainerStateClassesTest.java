package dev.allspark.trainer.online;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.Checkpoint;
import dev.allspark.model.ModelConfig;
import dev.allspark.schemas.labels.ClassSet;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A trainer's saved state of another class set is refused at resume, naming both sets. */
class TrainerStateClassesTest {
  @Test
  void stateOfAnotherClassSetIsRefused() {
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(11, 33), m, 1);
      Checkpoint camvid =
          Checkpoint.fromBytes(
              Checkpoint.of(net, ClassSet.CAMVID, 5, Map.of(), Map.of(), Map.of()).toBytes());
      Path file = Path.of("state/trainer-state.ckpt");
      assertThatCode(() -> TrainerState.checkClasses(camvid, ClassSet.CAMVID, file))
          .doesNotThrowAnyException();
      assertThatThrownBy(() -> TrainerState.checkClasses(camvid, ClassSet.CITYSCAPES, file))
          .hasMessageContaining("trainer of class set camvid-11")
          .hasMessageContaining("these settings say cityscapes-19")
          .hasMessageContaining("--classes / ALLSPARK_CLASSES")
          .hasMessageContaining("--state-dir");
    }
  }
}
