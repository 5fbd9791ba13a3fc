package dev.allspark.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class SegmenterTest {

  @Test
  void theArgmaxIsLibtorchsIncludingTies() {
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(3);
      // rounded scores, so that many pixels have two best classes: the first one wins, as in torch
      NDArray scores = m.randomNormal(new Shape(11, 36, 48)).mul(m.create(2f)).round();
      int[] torch = scores.argMax(0).toType(DataType.INT32, false).toIntArray();
      int[] ours = Segmenter.argmax(scores.toFloatArray(), 11, 36 * 48);
      assertThat(ours).containsExactly(torch);
      float[] s = scores.toFloatArray();
      int ties = 0;
      for (int p = 0; p < 36 * 48; p++) {
        int best = 0;
        for (int c = 0; c < 11; c++) {
          if (s[c * 36 * 48 + p] == s[torch[p] * 36 * 48 + p]) {
            best++;
          }
        }
        ties += best > 1 ? 1 : 0;
      }
      assertThat(ties).as("pixels with tied best classes").isGreaterThan(100);
    }
  }

  @Test
  void decodeUpSamplesBeforeTheArgmaxAndAveragesConfidenceWhereTheScoresAre() {
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(4);
      NDArray coarse = m.randomNormal(new Shape(2, 5, 9, 12));
      Segmenter.Result[] r = Segmenter.decode(coarse, 36, 48);
      NDArray up = Bilinear.resize(coarse, 36, 48, false);
      NDArray prob = coarse.softmax(1);
      float[] conf = prob.max(new int[] {1}).reshape(2, -1).mean(new int[] {1}).toFloatArray();
      float[] ent =
          prob.mul(prob.add(m.create(1e-12f)).log())
              .sum(new int[] {1})
              .neg()
              .reshape(2, -1)
              .mean(new int[] {1})
              .toFloatArray();
      for (int b = 0; b < 2; b++) {
        assertThat(r[b].width()).isEqualTo(48);
        assertThat(r[b].classes())
            .containsExactly(up.get(b).argMax(0).toType(DataType.INT32, false).toIntArray());
        assertThat(r[b].meanConfidence()).isCloseTo(conf[b], Offset.offset(1e-5f));
        assertThat(r[b].meanEntropy()).isCloseTo(ent[b], Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void aBatchSegmentedInPassesGivesEachFrameItsOwnResultAtItsOwnSize() {
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(5);
      AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(5, 65), m, 1);
      Random rng = new Random(7);
      int n = Segmenter.CPU_FORWARD_FRAMES * 2 + 1; // two full passes and one of a single frame
      float[][] chw = new float[n][3 * 72 * 96];
      int[][] sizes = new int[n][];
      for (int i = 0; i < n; i++) {
        for (int p = 0; p < chw[i].length; p++) {
          chw[i][p] = (float) rng.nextGaussian();
        }
        sizes[i] = i % 2 == 0 ? new int[] {72, 96} : new int[] {144, 192};
      }
      List<Segmenter.Result> all = Segmenter.segment(net, m, chw, 72, 96, sizes);
      assertThat(all).hasSize(n);
      for (int i = 0; i < n; i++) {
        try (NDManager scope = m.newSubManager()) {
          NDArray one = ImageTensors.batch(scope, new float[][] {chw[i]}, 72, 96);
          Segmenter.Result alone =
              Segmenter.decode(net.predictCoarse(one), sizes[i][0], sizes[i][1])[0];
          assertThat(all.get(i).height()).isEqualTo(sizes[i][0]);
          assertThat(all.get(i).classes()).as("frame " + i).containsExactly(alone.classes());
          assertThat(all.get(i).meanConfidence())
              .isCloseTo(alone.meanConfidence(), Offset.offset(1e-5f));
        }
      }
      // at the input size, the coarse scores up-sampled once are predict's scores
      try (NDManager scope = m.newSubManager()) {
        NDArray one = ImageTensors.batch(scope, new float[][] {chw[0]}, 72, 96);
        int[] viaPredict =
            net.predict(one).get(0).argMax(0).toType(DataType.INT32, false).toIntArray();
        assertThat(all.get(0).classes()).containsExactly(viaPredict);
      }
    }
  }
}
