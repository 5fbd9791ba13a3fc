package dev.allspark.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class CrossEntropyTest {

  @Test
  void meanNegativeLogLikelihoodOverNonVoidPixels() {
    try (NDManager m = NDManager.newBaseManager()) {
      // 1 image, 2 classes, 1x3 pixels; logits per pixel: (0,0), (2,0), (0,5)
      NDArray logits = m.create(new float[] {0, 2, 0, 0, 0, 5}, new Shape(1, 2, 1, 3));
      // labels: class 1, class 0, void (11)
      NDArray labels = m.create(new long[] {1, 0, 11}, new Shape(1, 1, 3));
      double p0 = Math.log(2); // -log softmax(0,0)[1]
      double p1 = -Math.log(Math.exp(2) / (Math.exp(2) + 1)); // -log softmax(2,0)[0]
      assertThat(CrossEntropy.loss(logits, labels).getFloat())
          .isCloseTo((float) ((p0 + p1) / 2), within(1e-6f));
    }
  }

  @Test
  void allVoidGivesZeroNotNaN() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logits = m.ones(new Shape(1, 3, 2, 2));
      NDArray labels = m.full(new Shape(1, 2, 2), 255L);
      assertThat(CrossEntropy.loss(logits, labels).getFloat()).isZero();
    }
  }

  @Test
  void maskedLossCountsOnlyConfidentPixelsButDividesByAll() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logits = m.create(new float[] {0, 2, 0, 0, 0, 5}, new Shape(1, 2, 1, 3));
      NDArray labels = m.create(new long[] {1, 0, 1}, new Shape(1, 1, 3));
      NDArray mask = m.create(new boolean[] {false, true, true}, new Shape(1, 1, 3));
      double p1 = -Math.log(Math.exp(2) / (Math.exp(2) + 1));
      double p2 = -Math.log(Math.exp(5) / (Math.exp(5) + 1));
      assertThat(CrossEntropy.maskedLoss(logits, labels, mask).getFloat())
          .isCloseTo((float) ((p1 + p2) / 3), within(1e-6f));
    }
  }
}
