package dev.allspark.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InputScaleTest {

  @Test
  void halvingAveragesEach2x2BlockAndLabelsTakeTheirNearestPixel() {
    // 4x2 image: red ramp 0..7 / 10, label = column index
    float[] r = new float[8];
    int[] labels = new int[8];
    for (int i = 0; i < 8; i++) {
      r[i] = i / 10f;
      labels[i] = i % 4;
    }
    RgbImage image = RgbImage.planes(4, 2, r, new float[8], new float[8]);
    RgbImage half = image.resized(2, 1);
    assertThat(half.width()).isEqualTo(2);
    assertThat(half.height()).isEqualTo(1);
    // (0 + 1 + 4 + 5) / 4 / 10 and (2 + 3 + 6 + 7) / 4 / 10
    assertThat(half.r[0]).isCloseTo(0.25f, org.assertj.core.api.Assertions.within(1e-6f));
    assertThat(half.r[1]).isCloseTo(0.45f, org.assertj.core.api.Assertions.within(1e-6f));

    Sample big =
        new Sample(
            "f",
            RgbImage.planes(64, 64, new float[4096], new float[4096], new float[4096]),
            ramp(64));
    Sample small = TrainingData.rescaled(big, 0.5);
    assertThat(small.image().width()).isEqualTo(32);
    assertThat(small.labels()).hasSize(32 * 32);
    // output column x samples input column 2x + 1 (its footprint's centre, rounded down)
    assertThat(small.labels()[5]).isEqualTo(ramp(64)[11]);
    assertThat(TrainingData.rescaled(new Sample("u", big.image(), null), 0.5).labels()).isNull();
  }

  private static int[] ramp(int side) {
    int[] out = new int[side * side];
    for (int i = 0; i < out.length; i++) {
      out[i] = (i % side) % 11;
    }
    return out;
  }

  @Test
  void scaledSidesNeverDropBelowOneLastStageToken() {
    assertThat(Evaluation.scaled(480, 0.5)).isEqualTo(240);
    assertThat(Evaluation.scaled(360, 0.5)).isEqualTo(180);
    assertThat(Evaluation.scaled(40, 0.25)).isEqualTo(32);
    assertThatThrownBy(
            () -> RgbImage.planes(1, 1, new float[1], new float[1], new float[1]).resized(0, 1))
        .hasMessageContaining("0x1");
  }
}
