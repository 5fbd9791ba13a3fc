package dev.allspark.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

  static void write(Path file, Map<String, Checkpoint.Tensor> tensors) throws Exception {
    SafeTensorsFiles.write(file, tensors);
  }

  @Test
  void loadsAMixTransformerCheckpointByItsOwnNames(@TempDir Path dir) throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet source = AllSparkNet.create(ModelConfig.tiny(5, 65), m, 1);
      Map<String, Checkpoint.Tensor> encoder = SafeTensorsFiles.shiftedEncoder(source);
      encoder.put("head.weight", new Checkpoint.Tensor(new long[] {2}, new float[] {1, 2}));
      Path file = dir.resolve("mit.safetensors");
      write(file, encoder);

      AllSparkNet target = AllSparkNet.create(ModelConfig.tiny(5, 65), m, 2);
      int loaded = target.loadPretrainedEncoder(SafeTensors.read(file));
      assertThat(loaded).isEqualTo(encoder.size() - 1);
      assertThat(
              target
                  .namedParameters()
                  .get("backbone.block1.0.attn.q.weight")
                  .getArray()
                  .toFloatArray())
          .containsExactly(encoder.get("block1.0.attn.q.weight").data());
    }
  }

  @Test
  void aMisShapedTensorIsNamed(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.safetensors");
    write(
        file,
        Map.of(
            "patch_embed1.proj.weight", new Checkpoint.Tensor(new long[] {2}, new float[] {1, 2})));
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(5, 65), m, 1);
      assertThatThrownBy(() -> net.loadPretrainedEncoder(SafeTensors.read(file)))
          .hasMessageContaining("patch_embed1.proj.weight")
          .hasMessageContaining("is the model size right");
    }
  }

  @Test
  void halfPrecisionValuesConvertExactly() {
    assertThat(SafeTensors.halfToFloat((short) 0x3c00)).isEqualTo(1f);
    assertThat(SafeTensors.halfToFloat((short) 0xc000)).isEqualTo(-2f);
    assertThat(SafeTensors.halfToFloat((short) 0x3555)).isEqualTo(0.33325195f);
    assertThat(SafeTensors.halfToFloat((short) 0x0001)).isEqualTo(5.9604645e-8f);
    assertThat(SafeTensors.halfToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
  }
}
