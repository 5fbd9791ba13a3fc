package dev.allspark.trainer.online;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allspark.trainer.RgbImage;
import dev.allspark.trainer.Sample;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LabeledSetTest {
  private static Sample sample(String id, int... classes) {
    int n = 4 * 4;
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = classes[i % classes.length];
    }
    return new Sample(id, RgbImage.planes(4, 4, new float[n], new float[n], new float[n]), labels);
  }

  @Test
  void theHoldoutIsDeterministicByFrameIdAndNeverDrawn() {
    LabeledSet set = new LabeledSet(11, 0.2);
    int held = 0;
    for (int i = 0; i < 500; i++) {
      String id = "frame-" + i;
      set.put(sample(id, 3));
      held += LabeledSet.heldOut(id, 0.2) ? 1 : 0;
      assertThat(LabeledSet.heldOut(id, 0.2)).isEqualTo(LabeledSet.heldOut(id, 0.2));
    }
    assertThat(set.holdoutSize()).isEqualTo(held).isBetween(70, 130);
    assertThat(set.trainSize()).isEqualTo(500 - held);
    Random rng = new Random(1);
    for (int i = 0; i < 1000; i++) {
      assertThat(LabeledSet.heldOut(set.draw(rng).id(), 0.2)).isFalse();
    }
  }

  @Test
  void theLatestMaskOfAFrameReplacesTheEarlierOne() {
    LabeledSet set = new LabeledSet(11, 0.01);
    String id = trainId();
    set.put(sample(id, 3));
    set.put(sample(id, 8));
    assertThat(set.trainSize()).isEqualTo(1);
    Random rng = new Random(2);
    for (int i = 0; i < 50; i++) {
      assertThat(set.draw(rng).labels()).containsOnly(8);
    }
  }

  @Test
  void replayIsClassBalanced() {
    LabeledSet set = new LabeledSet(11, 0.01);
    // 99 frames of road and sky, 1 frame with a pole
    int made = 0;
    for (int i = 0; made < 99; i++) {
      if (!LabeledSet.heldOut("road-" + i, 0.01)) {
        set.put(sample("road-" + i, 0, 3));
        made++;
      }
    }
    String pole = trainId();
    set.put(sample(pole, 0, 3, 2));
    Map<String, Integer> counts = new HashMap<>();
    Random rng = new Random(3);
    for (int i = 0; i < 3000; i++) {
      counts.merge(set.draw(rng).id(), 1, Integer::sum);
    }
    // classes 0, 2 and 3 are present: the pole frame is drawn for class 2 (1/3) and as one of
    // 100 frames for 0 and 3, i.e. about 34%, not 1%
    assertThat(counts.get(pole) / 3000.0).isBetween(0.28, 0.40);
  }

  private static String trainId() {
    for (int i = 0; ; i++) {
      if (!LabeledSet.heldOut("t-" + i, 0.01)) {
        return "t-" + i;
      }
    }
  }
}
