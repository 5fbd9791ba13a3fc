package dev.allspark.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class AllSparkNetTest {

  @Test
  void gridSideFollowsTheFourStridedConvolutions() {
    assertThat(ModelConfig.gridSide(129)).isEqualTo(5);
    assertThat(ModelConfig.gridSide(513)).isEqualTo(17);
    assertThat(ModelConfig.b0(11).memoryTokens()).isEqualTo(25);
  }

  @Test
  void namesFollowTheReference() {
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(ModelConfig.b0(11), m, 1);
      assertThat(net.namedParameters().keySet())
          .contains(
              "backbone.patch_embed1.proj.weight",
              "backbone.block1.0.attn.q.weight",
              "backbone.block1.0.attn.sr.weight",
              "backbone.block4.1.mlp.dwconv.dwconv.weight",
              "backbone.norm4.bias",
              "decoder.allspark.map_in.0.weight",
              "decoder.allspark.attn.q_l2u.weight",
              "decoder.decoder.linear_c4.proj.weight",
              "decoder.decoder.linear_fuse.conv.weight",
              "decoder.decoder.linear_fuse.bn.running_var",
              "decoder.decoder.linear_pred.bias");
      long count =
          net.namedParameters().values().stream()
              .filter(p -> p.requiresGradient())
              .mapToLong(p -> p.getArray().size())
              .sum();
      // SegFormer-B0 encoder (3.3M) + B0 head at width 256 + AllSpark on 256 channels.
      assertThat(count).isBetween(3_500_000L, 6_000_000L);
    }
  }

  @Test
  void trainsAndPredictsAtTheTrainingCropAndAnyOtherSize() {
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(3);
      ModelConfig config = ModelConfig.tiny(5, 65);
      AllSparkNet net = AllSparkNet.create(config, m, 1);
      NDArray images = m.randomNormal(new Shape(4, 3, 65, 65));
      NDArray scores = net.predict(images.get("2:4"));
      assertThat(scores.getShape()).isEqualTo(new Shape(2, 5, 65, 65));
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray logits = net.trainForward(images, scores, true);
        assertThat(logits.getShape()).isEqualTo(new Shape(4, 5, 65, 65));
        collector.backward(logits.mean());
      }
      NDArray grad =
          net.namedParameters().get("backbone.patch_embed1.proj.weight").getArray().getGradient();
      assertThat(grad.abs().sum().getFloat()).isGreaterThan(0f);
      // Inference at a frame size other than the crop.
      assertThat(net.predict(m.randomNormal(new Shape(1, 3, 90, 120))).getShape())
          .isEqualTo(new Shape(1, 5, 90, 120));
    }
  }

  @Test
  void aFramesPredictionDoesNotDependOnItsMicroBatch() {
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(5);
      AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(5, 65), m, 1);
      NDArray frames = m.randomNormal(new Shape(3, 3, 72, 96));
      float[] together = net.predict(frames).toFloatArray();
      int per = together.length / 3;
      for (int i = 0; i < 3; i++) {
        float[] alone = net.predict(frames.get(i + ":" + (i + 1))).toFloatArray();
        for (int j = 0; j < per; j++) {
          assertThat(alone[j])
              .isCloseTo(together[i * per + j], org.assertj.core.data.Offset.offset(1e-4f));
        }
      }
    }
  }
}
