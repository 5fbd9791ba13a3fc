package dev.allspark.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.Checkpoint;
import dev.allspark.model.InvalidCheckpointException;
import dev.allspark.schemas.labels.ClassSet;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InputSizeTest {
  private static byte[] checkpoint(Map<String, String> info) {
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(InferenceFixture.TINY, m, 2);
      return Checkpoint.of(net, ClassSet.CAMVID, 1, Map.of(), info, Map.of()).toBytes();
    }
  }

  @Test
  void aModelTrainedAtHalfResolutionServesAtHalfResolutionWithResultsAtTheFramesSize() {
    byte[] half = checkpoint(Map.of(Checkpoint.INPUT_SCALE, "0.5"));
    try (ServingModel model =
        ServingModel.load(1, half, new InputSize(160, 120, null), ClassSet.CAMVID)) {
      assertThat(model.inputSize()).isEqualTo("80x60");
      var result = model.segment(List.of(new BufferedImage(200, 150, BufferedImage.TYPE_INT_RGB)));
      assertThat(result.get(0).width()).isEqualTo(200);
      assertThat(result.get(0).height()).isEqualTo(150);
      assertThat(result.get(0).classes()).hasSize(200 * 150);
    }
    // a checkpoint that records no scale was trained at full size
    try (ServingModel model =
        ServingModel.load(1, checkpoint(Map.of()), new InputSize(160, 120, null), null)) {
      assertThat(model.inputSize()).isEqualTo("160x120");
    }
  }

  @Test
  void aFixedScaleOverridesTheCheckpoints() {
    byte[] half = checkpoint(Map.of(Checkpoint.INPUT_SCALE, "0.5"));
    try (ServingModel model = ServingModel.load(1, half, InputSize.fixed(160, 120), null)) {
      assertThat(model.inputSize()).isEqualTo("160x120");
    }
    try (ServingModel model = ServingModel.load(1, half, new InputSize(160, 120, 0.25), null)) {
      assertThat(model.inputSize()).isEqualTo("40x32"); // never under 32 pixels a side
    }
  }

  @Test
  void badScalesAreRefusedNamingWhere() {
    assertThatThrownBy(() -> new InputSize(160, 120, 1.5)).hasMessageContaining("(0, 1]");
    byte[] bad = checkpoint(Map.of(Checkpoint.INPUT_SCALE, "2"));
    assertThatThrownBy(() -> ServingModel.load(1, bad, new InputSize(160, 120, null), null))
        .isInstanceOf(InvalidCheckpointException.class)
        .hasMessageContaining("inputScale must be in (0, 1], got 2");
    Map<String, String> values = InferenceSettings.defaults("localhost:9092");
    values.put(InferenceSettings.Key.INPUT_SCALE.env(), "0");
    assertThatThrownBy(() -> InferenceSettings.from(values))
        .hasMessageContaining(InferenceSettings.Key.INPUT_SCALE.env());
    values.put(InferenceSettings.Key.INPUT_SCALE.env(), "half");
    assertThatThrownBy(() -> InferenceSettings.from(values))
        .hasMessageContaining(InferenceSettings.Key.INPUT_SCALE.env())
        .hasMessageContaining("half");
    values.put(InferenceSettings.Key.INPUT_SCALE.env(), "0.5");
    assertThat(InferenceSettings.from(values).inputScale()).isEqualTo(0.5);
    values.remove(InferenceSettings.Key.INPUT_SCALE.env());
    assertThat(InferenceSettings.from(values).inputScale()).isNull();
  }
}
