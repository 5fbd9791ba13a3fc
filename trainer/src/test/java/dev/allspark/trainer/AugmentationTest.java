package dev.allspark.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class AugmentationTest {

  /** An image whose red channel encodes the label of each pixel. */
  static Sample coded(int w, int h) {
    float[] r = new float[w * h];
    float[] g = new float[w * h];
    float[] b = new float[w * h];
    int[] labels = new int[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int label = (x / 20 + 3 * (y / 20)) % 11;
        labels[y * w + x] = label;
        r[y * w + x] = label / 10f;
      }
    }
    return new Sample("coded", RgbImage.planes(w, h, r, g, b), labels);
  }

  @Test
  void cropsKeepImageAndLabelsAligned() {
    Augmentation aug = new Augmentation(65, 11);
    Random rng = new Random(5);
    int voidSeen = 0;
    for (int trial = 0; trial < 40; trial++) {
      Sample out = aug.scaleCropFlip(coded(160, 120), rng);
      assertThat(out.image().width()).isEqualTo(65);
      assertThat(out.image().height()).isEqualTo(65);
      int agree = 0;
      int counted = 0;
      for (int i = 0; i < out.labels().length; i++) {
        int label = out.labels()[i];
        if (label == 11) {
          voidSeen++;
          assertThat(out.image().r[i]).isZero(); // padding is black
          continue;
        }
        counted++;
        if (Math.round(out.image().r[i] * 10) == label) {
          agree++;
        }
      }
      // bilinear blends at region borders; everywhere else colour and label agree
      assertThat(agree).isGreaterThan((int) (0.85 * counted));
    }
    assertThat(voidSeen).as("small scales pad with void").isPositive();
  }

  @Test
  void photometricChangesColoursNotTheInput() {
    Sample s = coded(64, 64);
    float[] before = s.image().r.clone();
    Augmentation aug = new Augmentation(33, 11);
    boolean changed = false;
    Random rng = new Random(1);
    for (int i = 0; i < 5 && !changed; i++) {
      RgbImage out = aug.photometric(s.image(), rng);
      changed = !java.util.Arrays.equals(out.r, before);
    }
    assertThat(changed).isTrue();
    assertThat(s.image().r).containsExactly(before);
  }
}
