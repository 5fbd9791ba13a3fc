package dev.allspark.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {

  @Test
  void iouPerClassAndMeanOverAWholeSplitIgnoringVoid() {
    ConfusionMatrix m = new ConfusionMatrix(3);
    // frame 1: labels 0 0 1 1 void; predictions 0 1 1 1 2
    m.add(new int[] {0, 1, 1, 1, 2}, new int[] {0, 0, 1, 1, 11});
    // frame 2: labels 2 2; predictions 2 0
    m.add(new int[] {2, 0}, new int[] {2, 2});
    double[] iou = m.iou();
    // class 0: tp 1, fn 1, fp 1 -> 1/3; class 1: tp 2, fp 1 -> 2/3; class 2: tp 1, fn 1 -> 1/2
    assertThat(iou[0]).isCloseTo(1 / 3.0, within(1e-12));
    assertThat(iou[1]).isCloseTo(2 / 3.0, within(1e-12));
    assertThat(iou[2]).isCloseTo(1 / 2.0, within(1e-12));
    assertThat(m.meanIou()).isCloseTo((1 / 3.0 + 2 / 3.0 + 0.5) / 3, within(1e-12));
    assertThat(m.pixels()).isEqualTo(6); // the void pixel is not counted
    assertThat(m.pixelAccuracy()).isCloseTo(4 / 6.0, within(1e-12));
  }

  @Test
  void aClassThatNeverOccursNorIsPredictedDoesNotCount() {
    ConfusionMatrix m = new ConfusionMatrix(3);
    m.add(new int[] {0, 1}, new int[] {0, 1});
    assertThat(m.iou()[2]).isNaN();
    assertThat(m.meanIou()).isEqualTo(1.0);
  }
}
