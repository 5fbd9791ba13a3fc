package dev.allspark.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.Checkpoint;
import dev.allspark.model.ModelConfig;
import dev.allspark.schemas.labels.ClassSet;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The service serves its deployment's class set only, and says which set each result is in. */
class ServingClassSetTest {
  private static byte[] cityscapesCheckpoint() {
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(19, 65), m, 3);
      return Checkpoint.of(net, ClassSet.CITYSCAPES, 1, Map.of(), Map.of(), Map.of()).toBytes();
    }
  }

  @Test
  void aCheckpointOfAnotherClassSetIsRefusedNamingBoth() {
    byte[] file = cityscapesCheckpoint();
    assertThatThrownBy(() -> ServingModel.load(1, file, InputSize.fixed(64, 48), ClassSet.CAMVID))
        .hasMessageContaining("predicts class set cityscapes-19")
        .hasMessageContaining("serves camvid-11")
        .hasMessageContaining("--classes / ALLSPARK_CLASSES");
  }

  @Test
  void aCityscapesModelSegmentsIntoItsNineteenClasses() {
    try (ServingModel model =
        ServingModel.load(
            1, cityscapesCheckpoint(), InputSize.fixed(64, 48), ClassSet.CITYSCAPES)) {
      assertThat(model.classSet()).isEqualTo("cityscapes-19");
      assertThat(model.numClasses()).isEqualTo(19);
      var r = model.segment(List.of(new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB)));
      for (int c : r.get(0).classes()) {
        assertThat(c).isBetween(0, 18);
      }
    }
  }
}
