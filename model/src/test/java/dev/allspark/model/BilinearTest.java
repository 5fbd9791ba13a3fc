package dev.allspark.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class BilinearTest {

  @Test
  void downSamplesWithoutAntiAliasingLikeTorch() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.arange(16f).reshape(1, 1, 4, 4);
      // torch: F.interpolate(arange(16).view(1,1,4,4), size=(2,2), mode="bilinear")
      assertThat(Bilinear.resize(x, 2, 2, false).toFloatArray())
          .containsExactly(2.5f, 4.5f, 10.5f, 12.5f);
    }
  }

  @Test
  void upSamplesWithBothCornerConventions() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.create(new float[] {0, 1, 2, 3}).reshape(1, 1, 2, 2);
      // align_corners=True keeps the corners: row 0 of a 3x3 is 0, 0.5, 1
      float[] aligned = Bilinear.resize(x, 3, 3, true).toFloatArray();
      assertThat(aligned[0]).isEqualTo(0f);
      assertThat(aligned[1]).isCloseTo(0.5f, within(1e-6f));
      assertThat(aligned[8]).isEqualTo(3f);
      // align_corners=False: output pixel 0 of 4 maps to source -0.25 -> clamped to 0
      float[] half = Bilinear.resize(x, 4, 4, false).toFloatArray();
      assertThat(half[0]).isEqualTo(0f);
      assertThat(half[1]).isCloseTo(0.25f, within(1e-6f));
      assertThat(half[3]).isEqualTo(1f);
    }
  }

  /**
   * Up-sampling runs libtorch's kernel; it must agree with the matrix form, values and gradient.
   */
  @Test
  void upSamplingByTorchsKernelEqualsTheMatrixFormInValuesAndGradients() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (boolean align : new boolean[] {false, true}) {
        NDArray x = m.randomNormal(new ai.djl.ndarray.types.Shape(2, 3, 5, 7));
        x.setRequiresGradient(true);
        NDArray weights = m.randomNormal(new ai.djl.ndarray.types.Shape(2, 3, 13, 16));
        NDArray kernel;
        try (ai.djl.training.GradientCollector c =
            ai.djl.engine.Engine.getInstance().newGradientCollector()) {
          kernel = Bilinear.resize(x, 13, 16, align);
          c.backward(kernel.mul(weights).sum());
        }
        float[] kernelGrad = x.getGradient().toFloatArray();
        // the matrix form: R_h x X x R_w^T with the reference's weights
        NDArray rows = Bilinear.weights(m, 5, 13, align);
        NDArray cols = Bilinear.weights(m, 7, 16, align);
        NDArray matrix = rows.matMul(x.stopGradient()).matMul(cols.transpose());
        assertThat(kernel.sub(matrix).abs().max().getFloat()).isLessThan(1e-5f);
        // d(sum(R X C^T * W))/dX = R^T W C
        float[] matrixGrad = rows.transpose().matMul(weights).matMul(cols).toFloatArray();
        for (int i = 0; i < matrixGrad.length; i++) {
          assertThat(kernelGrad[i]).isCloseTo(matrixGrad[i], within(1e-4f));
        }
      }
    }
  }
}
