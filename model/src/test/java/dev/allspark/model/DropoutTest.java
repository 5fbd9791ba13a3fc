package dev.allspark.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/** The attention dropout: nn.Dropout's semantics from a draw of our own. */
class DropoutTest {
  @Test
  void keepsOneMinusPOfTheValuesScaledAndPassesGradientsThroughTheSameMask() {
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(5);
      NDArray x = m.ones(new Shape(200, 1000));
      x.setRequiresGradient(true);
      NDArray y;
      try (GradientCollector g = Engine.getInstance().newGradientCollector()) {
        y = Dropout.values(x, 0.1f, true);
        g.backward(y.sum());
      }
      float[] out = y.toFloatArray();
      float[] grad = x.getGradient().toFloatArray();
      int kept = 0;
      for (int i = 0; i < out.length; i++) {
        if (out[i] != 0) {
          kept++;
          assertThat(out[i]).isEqualTo(1 / 0.9f);
        }
        // d(sum)/dx is the mask over keep: the same values as the output of ones
        assertThat(grad[i]).isEqualTo(out[i]);
      }
      // 200,000 draws: the kept share is 0.9 within 5 standard deviations (0.0007 each)
      assertThat(kept / (double) out.length).isBetween(0.9 - 0.0035, 0.9 + 0.0035);
    }
  }
}
