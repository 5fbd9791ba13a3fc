package dev.allspark.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.ConfusionMatrix;
import dev.allspark.model.ModelConfig;
import dev.allspark.model.Segmenter;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EvaluationTest {
  private static Sample frame(Random rng, int width, int height, int classes) {
    int n = width * height;
    float[] r = new float[n];
    float[] g = new float[n];
    float[] b = new float[n];
    int[] labels = new int[n];
    for (int p = 0; p < n; p++) {
      r[p] = rng.nextFloat();
      g[p] = rng.nextFloat();
      b[p] = rng.nextFloat();
      labels[p] = (p / width) * classes / height; // horizontal bands
    }
    return new Sample("f" + rng.nextInt(), RgbImage.planes(width, height, r, g, b), labels);
  }

  /** What the inference service would answer for the frame: the class map at the frame's size. */
  private static ConfusionMatrix served(
      AllSparkNet net, NDManager m, List<Sample> frames, double scale, int classes) {
    ConfusionMatrix matrix = new ConfusionMatrix(classes);
    for (Sample f : frames) {
      RgbImage seen =
          f.image()
              .resized(
                  Evaluation.scaled(f.image().width(), scale),
                  Evaluation.scaled(f.image().height(), scale));
      Segmenter.Result r =
          Segmenter.segment(
                  net,
                  m,
                  new float[][] {seen.normalizedChw()},
                  seen.height(),
                  seen.width(),
                  new int[][] {{f.image().height(), f.image().width()}})
              .get(0);
      matrix.add(r.classes(), f.labels());
    }
    return matrix;
  }

  @Test
  void aModelTrainedAtHalfScaleIsValidatedOnExactlyWhatItWouldServe() {
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(9);
      int classes = 5;
      AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(classes, 65), m, 1);
      Random rng = new Random(3);
      List<Sample> frames = List.of(frame(rng, 128, 96, classes), frame(rng, 128, 96, classes));
      for (double scale : new double[] {1.0, 0.5}) {
        ConfusionMatrix validated = Evaluation.run(net, m, frames, scale, done -> {});
        ConfusionMatrix wouldServe = served(net, m, frames, scale, classes);
        assertThat(validated.pixels()).isEqualTo(2L * 128 * 96);
        assertThat(validated.iou()).as("scale %s", scale).containsExactly(wouldServe.iou());
      }
    }
  }
}
