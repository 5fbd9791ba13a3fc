package dev.allspark.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allspark.schemas.labels.ClassSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
  static final ClassSet FIVE =
      new ClassSet(
          "test-5",
          List.of("a", "b", "c", "d", "e"),
          ClassSet.colors("010203 040506 070809 000000 090909"),
          255);

  /** A network whose weights, statistics and memory differ from a fresh one. */
  static AllSparkNet trainedLooking(NDManager m) {
    Engine.getInstance().setRandomSeed(11);
    AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(5, 65), m, 5);
    NDArray images = m.randomNormal(new Shape(4, 3, 65, 65));
    NDArray scores = net.predict(images.get("2:4"));
    net.trainForward(images, scores, false); // moves BN statistics and fills the memory
    return net;
  }

  @Test
  void saveThenLoadGivesIdenticalPredictionsAndState(@TempDir Path dir) throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = trainedLooking(m);
      NDArray momentum = m.randomNormal(new Shape(3, 4));
      Checkpoint checkpoint =
          Checkpoint.of(
              net,
              FIVE,
              42,
              Map.of("mIoU", 0.5),
              Map.of("version", "7"),
              Map.of("momentum.x", Checkpoint.Tensor.of(momentum)));
      Path file = dir.resolve("model.ckpt");
      String sha = checkpoint.write(file);
      assertThat(Files.list(dir)).containsExactly(file); // no temporary file left behind

      Checkpoint read = Checkpoint.read(file);
      assertThat(read.sha256()).isEqualTo(sha);
      assertThat(read.step()).isEqualTo(42);
      assertThat(read.metrics()).containsEntry("mIoU", 0.5);
      assertThat(read.info()).containsEntry("version", "7");
      assertThat(read.config()).isEqualTo(net.config());
      assertThat(read.classes().names()).isEqualTo(FIVE.names());
      assertThat(read.optimizerState().get("momentum.x").data())
          .containsExactly(momentum.toFloatArray());

      try (NDManager other = NDManager.newBaseManager()) {
        AllSparkNet loaded = read.instantiate(other);
        assertThat(loaded.memory().queue()).containsExactly(net.memory().queue());
        assertThat(loaded.memory().pointers()).containsExactly(net.memory().pointers());
        NDArray frames = m.randomNormal(new Shape(2, 3, 70, 90));
        float[] before = net.predict(frames).toFloatArray();
        float[] after = loaded.predict(frames.toDevice(other.getDevice(), true)).toFloatArray();
        assertThat(after).containsExactly(before);
      }
    }
  }

  @Test
  void aCorruptedOrTruncatedFileIsRefused(@TempDir Path dir) throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      byte[] bytes =
          Checkpoint.of(trainedLooking(m), FIVE, 1, Map.of(), Map.of(), Map.of()).toBytes();

      byte[] flipped = bytes.clone();
      flipped[flipped.length / 2] ^= 0x10;
      Path altered = dir.resolve("altered.ckpt");
      Files.write(altered, flipped);
      assertThatThrownBy(() -> Checkpoint.read(altered))
          .isInstanceOf(InvalidCheckpointException.class)
          .hasMessageContaining("altered.ckpt")
          .hasMessageContaining("SHA-256 does not match");

      Path truncated = dir.resolve("truncated.ckpt");
      Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 1000));
      assertThatThrownBy(() -> Checkpoint.read(truncated))
          .isInstanceOf(InvalidCheckpointException.class)
          .hasMessageContaining("truncated");

      assertThatThrownBy(() -> Checkpoint.fromBytes("hello".getBytes()))
          .isInstanceOf(InvalidCheckpointException.class)
          .hasMessageContaining("not an AllSpark checkpoint");
    }
  }

  @Test
  void aCheckpointForAnotherNetworkIsRefusedByName() {
    try (NDManager m = NDManager.newBaseManager()) {
      Checkpoint checkpoint =
          Checkpoint.of(trainedLooking(m), FIVE, 1, Map.of(), Map.of(), Map.of());
      AllSparkNet other = AllSparkNet.create(ModelConfig.tiny(5, 97), m, 1);
      assertThatThrownBy(() -> checkpoint.loadInto(other))
          .hasMessageContaining("trainingCrop=65")
          .hasMessageContaining("trainingCrop=97");
    }
  }
}
