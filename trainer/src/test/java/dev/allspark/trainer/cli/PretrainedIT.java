package dev.allspark.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.Checkpoint;
import dev.allspark.model.ModelConfig;
import dev.allspark.model.SafeTensorsFiles;
import dev.allspark.trainer.Pretrained;
import dev.allspark.trainer.SyntheticCamVid;
import dev.allspark.trainer.online.OnlineSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --pretrained FILE.safetensors}: the encoder starts from the file's weights (a file
 * this test writes: a tiny encoder shifted by +0.5, far from any random initialisation), and a file
 * that does not fit is refused naming the tensor and the file.
 */
class PretrainedIT {
  @Test
  void trainStartsTheEncoderFromTheFile(@TempDir Path dir) throws Exception {
    Path data = SyntheticCamVid.write(dir.resolve("camvid"), 6, 2, 48, 40);
    Path weights = dir.resolve("mit-tiny.safetensors");
    Map<String, Checkpoint.Tensor> file = encoder("tiny", weights);
    Path out = dir.resolve("run.ckpt");
    List<String> log = new ArrayList<>();
    var run =
        TrainResumeIT.train(
            TrainResumeIT.tinyRun(data, out, "--pretrained", weights.toString()), log::add);
    assertThat(run.getKey()).as(String.join("\n", log)).isZero();
    assertThat(log)
        .anyMatch(l -> l.contains("encoder from " + weights + ": " + file.size() + " pretrained"));
    // six small steps later the encoder is still the file's, not a random one
    Checkpoint c = Checkpoint.read(out);
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = c.instantiate(m);
      float[] trained =
          net.namedParameters().get("backbone.block1.0.attn.q.weight").getArray().toFloatArray();
      float[] given = file.get("block1.0.attn.q.weight").data();
      double diff = 0;
      for (int i = 0; i < given.length; i++) {
        diff += Math.abs(trained[i] - given[i]);
      }
      assertThat(diff / given.length).isLessThan(0.05);
    }
    assertThat(c.info()).containsEntry("recipe.pretrained", "mit-tiny.safetensors");
  }

  @Test
  void aFileOfAnotherModelSizeIsRefusedNamingTheTensorAndTheFile(@TempDir Path dir)
      throws Exception {
    Path weights = dir.resolve("mit-b0.safetensors");
    encoder("b0", weights);
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet tiny = AllSparkNet.create(ModelConfig.named("tiny", 11, 33), m, 1);
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> Pretrained.load(tiny, weights, "--pretrained"))
          .hasMessageContaining("--pretrained " + weights)
          .hasMessageContaining("has shape")
          .hasMessageContaining("is the model size right");
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> Pretrained.load(tiny, dir.resolve("nope.safetensors"), "--pretrained"))
          .hasMessageContaining("does not exist");
    }
    // the online trainer's setting is checked at start, by its name
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                OnlineSettings.from(
                    Map.of(
                        "ALLSPARK_BOOTSTRAP",
                        "localhost:1",
                        "ALLSPARK_TRAINER_PRETRAINED",
                        dir.resolve("nope.safetensors").toString())))
        .hasMessageContaining("--pretrained / ALLSPARK_TRAINER_PRETRAINED")
        .hasMessageContaining("does not exist");
  }

  /** A model size's encoder, every weight shifted by +0.5, written as safetensors. */
  private static Map<String, Checkpoint.Tensor> encoder(String size, Path file) throws Exception {
    Map<String, Checkpoint.Tensor> out;
    try (NDManager m = NDManager.newBaseManager()) {
      out =
          SafeTensorsFiles.shiftedEncoder(
              AllSparkNet.create(ModelConfig.named(size, 11, 33), m, 7));
    }
    SafeTensorsFiles.write(file, out);
    return out;
  }
}
