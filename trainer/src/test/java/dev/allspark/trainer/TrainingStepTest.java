package dev.allspark.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.ModelConfig;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrainingStepTest {

  static List<Sample> samples(int n, int crop, boolean labeled, Random rng) {
    return java.util.stream.IntStream.range(0, n)
        .mapToObj(i -> AugmentationTest.coded(crop, crop))
        .map(s -> labeled ? s : new Sample(s.id(), s.image(), null))
        .toList();
  }

  @Test
  void supervisedStepsFitAFixedBatch() {
    Engine.getInstance().setRandomSeed(1);
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(11, 65), m, 1);
      try (SgdMomentum sgd = new SgdMomentum(net.namedParameters(), 0.9f, 1e-4f, m)) {
        TrainingStep step = new TrainingStep(net, sgd, Method.SUPERVISED, m);
        List<Sample> batch = samples(2, 65, true, new Random(1));
        float first = step.run(batch, List.of(), 0.05f, false).total();
        float last = first;
        for (int i = 0; i < 25; i++) {
          last = step.run(batch, List.of(), 0.05f, false).total();
        }
        assertThat(last).isLessThan(first * 0.8f);
      }
    }
  }

  @Test
  void allSparkStepsTrainBothLossesAndFillTheMemory() {
    Engine.getInstance().setRandomSeed(2);
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(11, 65), m, 1);
      float[] memoryBefore = net.memory().queue();
      try (SgdMomentum sgd = new SgdMomentum(net.namedParameters(), 0.9f, 1e-4f, m)) {
        TrainingStep step = new TrainingStep(net, sgd, Method.ALLSPARK, m);
        Random rng = new Random(3);
        TrainingStep.Losses first =
            step.run(samples(2, 65, true, rng), samples(2, 65, false, rng), 0.05f, false);
        TrainingStep.Losses later = first;
        for (int i = 0; i < 4; i++) {
          later = step.run(samples(2, 65, true, rng), samples(2, 65, false, rng), 0.05f, true);
        }
        assertThat(first.supervised()).isPositive();
        assertThat(first.unsupervised()).isPositive();
        assertThat(later.total()).isFinite();
        assertThat(net.memory().queue()).isNotEqualTo(memoryBefore);
      }
    }
  }

  /** One AllSpark step from a fresh network (seeded), returning its losses. */
  private static TrainingStep.Losses firstStep(boolean sum) {
    Engine.getInstance().setRandomSeed(7);
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(11, 65), m, 1);
      try (SgdMomentum sgd = new SgdMomentum(net.namedParameters(), 0.9f, 1e-4f, m)) {
        TrainingStep step = new TrainingStep(net, sgd, Method.ALLSPARK, m).withSummedLosses(sum);
        Random rng = new Random(8);
        return step.run(samples(2, 65, true, rng), samples(2, 65, false, rng), 0.01f, false);
      }
    }
  }

  @Test
  void summedLossesDoubleTheAveragedLossAndItsGradient() {
    TrainingStep.Losses mean = firstStep(false);
    TrainingStep.Losses sum = firstStep(true);
    assertThat(sum.supervised()).isEqualTo(mean.supervised());
    assertThat(sum.unsupervised()).isEqualTo(mean.unsupervised());
    assertThat(mean.total())
        .isCloseTo(
            (mean.supervised() + mean.unsupervised()) / 2,
            org.assertj.core.api.Assertions.within(1e-5f));
    assertThat(sum.total())
        .isCloseTo(
            mean.supervised() + mean.unsupervised(), org.assertj.core.api.Assertions.within(1e-5f));
    assertThat(sum.gradientNorm() / mean.gradientNorm())
        .isCloseTo(2f, org.assertj.core.api.Assertions.within(1e-3f));
  }

  @Test
  void selfTrainingLearnsFromPseudoLabelsWithoutTheSemanticMemory() {
    Engine.getInstance().setRandomSeed(9);
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(11, 65), m, 1);
      float[] memoryBefore = net.memory().queue();
      try (SgdMomentum sgd = new SgdMomentum(net.namedParameters(), 0.9f, 1e-4f, m)) {
        TrainingStep step = new TrainingStep(net, sgd, Method.SELF_TRAINING, m);
        Random rng = new Random(10);
        TrainingStep.Losses losses = null;
        for (int i = 0; i < 3; i++) {
          losses = step.run(samples(2, 65, true, rng), samples(2, 65, false, rng), 0.05f, true);
          assertThat(losses.supervised()).isPositive();
          assertThat(losses.unsupervised()).isPositive();
        }
        assertThat(losses.total()).isFinite();
        assertThat(net.memory().queue()).isEqualTo(memoryBefore);
      }
    }
  }
}
