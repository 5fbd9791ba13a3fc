package dev.allspark.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.allspark.model.EngineThreads;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class AdamWTest {
  static final float[][] GRADIENTS = {
    {0.1f, -0.2f, 0.3f, 0f}, {1f, 0.5f, -0.5f, 2f}, {-0.3f, 0f, 0.1f, -1f}
  };

  /**
   * What {@code torch.optim.AdamW([w], lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)}
   * (PyTorch 2.13) gives for these gradients from w = [0.5, -1, 2, 0].
   */
  static final float[][] TORCH = {
    {0.489500016f, -0.989000022f, 1.98800004f, 0f},
    {0.480939627f, -0.99243319f, 1.98894775f, -0.00744136795f},
    {0.476308912f, -0.994859099f, 1.98811495f, -0.00972033013f}
  };

  static Parameter parameter(NDManager m) {
    return TestParameters.weight(m, 0.5f, -1f, 2f, 0f);
  }

  /** Gives w the gradient g through autograd (loss = sum(w * g)). */
  static void setGradient(NDManager m, Parameter p, float[] g) {
    try (NDManager scope = m.newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray grad = scope.create(g);
      collector.backward(p.getArray().mul(grad).sum());
    }
  }

  @Test
  void updatesAsPyTorchsAdamW() {
    EngineThreads.noGradients();
    try (NDManager m = NDManager.newBaseManager()) {
      Parameter p = parameter(m);
      try (AdamW adam = new AdamW(Map.of("w", p), 0.9f, 0.999f, 1e-8f, 0.1f, m)) {
        for (int s = 0; s < GRADIENTS.length; s++) {
          setGradient(m, p, GRADIENTS[s]);
          adam.step(0.01f);
          float[] w = p.getArray().toFloatArray();
          for (int i = 0; i < 4; i++) {
            assertThat(w[i])
                .as("step %d, element %d", s + 1, i)
                .isCloseTo(TORCH[s][i], Offset.offset(2e-6f));
          }
        }
        assertThat(adam.steps()).isEqualTo(3);
      }
    }
  }

  @Test
  void aRestoredStateContinuesExactly() {
    EngineThreads.noGradients();
    try (NDManager m = NDManager.newBaseManager()) {
      Parameter p = parameter(m);
      float[] afterOne;
      Map<String, dev.allspark.model.Checkpoint.Tensor> state;
      try (AdamW adam = new AdamW(Map.of("w", p), 0.9f, 0.999f, 1e-8f, 0.1f, m)) {
        setGradient(m, p, GRADIENTS[0]);
        adam.step(0.01f);
        state = adam.state();
        afterOne = p.getArray().toFloatArray();
      }
      try (AdamW resumed = new AdamW(Map.of("w", p), 0.9f, 0.999f, 1e-8f, 0.1f, m)) {
        resumed.restore(state);
        assertThat(resumed.steps()).isEqualTo(1);
        setGradient(m, p, GRADIENTS[1]);
        resumed.step(0.01f);
        float[] w = p.getArray().toFloatArray();
        for (int i = 0; i < 4; i++) {
          assertThat(w[i]).isCloseTo(TORCH[1][i], Offset.offset(2e-6f));
        }
      }
      assertThat(afterOne[0]).isCloseTo(TORCH[0][0], Offset.offset(2e-6f));
    }
  }

  @Test
  void anotherOptimizersStateIsRefused() {
    EngineThreads.noGradients();
    try (NDManager m = NDManager.newBaseManager()) {
      Parameter p = parameter(m);
      Map<String, dev.allspark.model.Checkpoint.Tensor> sgdState;
      try (SgdMomentum sgd = new SgdMomentum(Map.of("w", p), 0.9f, 1e-4f, m)) {
        setGradient(m, p, GRADIENTS[0]);
        sgd.step(0.01f);
        sgdState = sgd.state();
      }
      try (AdamW adam = new AdamW(Map.of("w", p), 0.9f, 0.999f, 1e-8f, 0.1f, m)) {
        assertThatThrownBy(() -> adam.restore(sgdState))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("SGD");
      }
      assertThatThrownBy(() -> Optimizer.Kind.parse("adam", "--optimizer"))
          .hasMessageContaining("--optimizer adam: expected sgd or adamw");
    }
  }
}
