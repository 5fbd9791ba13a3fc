package dev.allspark.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SgdMomentumTest {

  @Test
  void followsTorchSgdWithMomentumAndWeightDecay() {
    try (NDManager m = NDManager.newBaseManager()) {
      Parameter p = TestParameters.weight(m, 1f);
      try (SgdMomentum sgd = new SgdMomentum(Map.of("w", p), 0.9f, 0.1f, m)) {
        // loss = 3 w -> grad 3; torch: d = 3 + 0.1 w; buf = d; w -= lr buf
        double w = 1;
        double buf = 0;
        for (int i = 0; i < 3; i++) {
          try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
            c.backward(p.getArray().mul(3f).sum());
          }
          sgd.step(0.5f);
          double d = 3 + 0.1 * w;
          buf = i == 0 ? d : 0.9 * buf + d;
          w -= 0.5 * buf;
          assertThat(p.getArray().getFloat()).isCloseTo((float) w, within(1e-5f));
        }
        // gradients are zeroed after each step
        NDArray grad = p.getArray().getGradient();
        assertThat(grad.getFloat()).isZero();
        // the momentum buffer is state a checkpoint can carry
        assertThat(sgd.state().get("momentum.w").data()[0]).isCloseTo((float) buf, within(1e-5f));
      }
    }
  }

  @Test
  void zeroingAndNormingLeaveNoArraysBehind() {
    try (NDManager m = NDManager.newBaseManager()) {
      Parameter p = TestParameters.weight(m, 1f, 1f, 1f, 1f);
      try (SgdMomentum sgd = new SgdMomentum(Map.of("w", p), 0.9f, 0.1f, m)) {
        try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
          c.backward(p.getArray().mul(3f).sum());
        }
        sgd.step(0.1f);
        // the losses' own arrays land on m: count after each backward, around the optimizer calls
        try (NDManager lossScope = m.newSubManager()) {
          try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
            NDArray x = lossScope.create(Float.NaN);
            c.backward(x.mul(p.getArray()).sum());
          }
        }
        int before = m.getManagedArrays().size();
        assertThat(sgd.gradientNorm()).isNaN();
        int afterNorm = m.getManagedArrays().size();
        sgd.zeroGradients();
        int afterZero = m.getManagedArrays().size();
        assertThat(sgd.gradientNorm()).isZero();
        try (NDManager lossScope = m.newSubManager()) {
          try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
            NDArray x = lossScope.create(2f);
            c.backward(x.mul(p.getArray()).sum());
          }
        }
        sgd.step(0.1f);
        assertThat(new int[] {afterNorm, afterZero, m.getManagedArrays().size()})
            .containsExactly(before, before, before);
      }
    }
  }
}
