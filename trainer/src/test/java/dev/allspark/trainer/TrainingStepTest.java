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

  /** What a test does with a fresh tiny network at crop 65, its SGD and a step of one method. */
  interface Scenario<T> {
    T run(AllSparkNet net, TrainingStep step, Random rng);
  }

  /**
   * Runs the scenario with the engine seeded by {@code seed} and the samples by {@code seed + 1}.
   */
  static <T> T scenario(int seed, Method method, boolean summedLosses, Scenario<T> body) {
    Engine.getInstance().setRandomSeed(seed);
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(11, 65), m, 1);
      try (SgdMomentum sgd = new SgdMomentum(net.namedParameters(), 0.9f, 1e-4f, m)) {
        TrainingStep step = new TrainingStep(net, sgd, method, m).withSummedLosses(summedLosses);
        return body.run(net, step, new Random(seed + 1));
      }
    }
  }

  /** Two labeled and two unlabeled crops. */
  static TrainingStep.Losses step(TrainingStep step, Random rng, float lr, boolean useMemory) {
    return step.run(samples(2, 65, true, rng), samples(2, 65, false, rng), lr, useMemory);
  }

  @Test
  void supervisedStepsFitAFixedBatch() {
    scenario(
        1,
        Method.SUPERVISED,
        false,
        (net, step, rng) -> {
          List<Sample> batch = samples(2, 65, true, rng);
          float first = step.run(batch, List.of(), 0.05f, false).total();
          float last = first;
          for (int i = 0; i < 25; i++) {
            last = step.run(batch, List.of(), 0.05f, false).total();
          }
          assertThat(last).isLessThan(first * 0.8f);
          return null;
        });
  }

  @Test
  void allSparkStepsTrainBothLossesAndFillTheMemory() {
    scenario(
        2,
        Method.ALLSPARK,
        false,
        (net, step, rng) -> {
          float[] memoryBefore = net.memory().queue();
          TrainingStep.Losses first = step(step, rng, 0.05f, false);
          TrainingStep.Losses later = first;
          for (int i = 0; i < 4; i++) {
            later = step(step, rng, 0.05f, true);
          }
          assertThat(first.supervised()).isPositive();
          assertThat(first.unsupervised()).isPositive();
          assertThat(later.total()).isFinite();
          assertThat(net.memory().queue()).isNotEqualTo(memoryBefore);
          return null;
        });
  }

  /** One AllSpark step from a fresh network (seeded), returning its losses. */
  private static TrainingStep.Losses firstStep(boolean sum) {
    return scenario(7, Method.ALLSPARK, sum, (net, step, rng) -> step(step, rng, 0.01f, false));
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
    scenario(
        9,
        Method.SELF_TRAINING,
        false,
        (net, step, rng) -> {
          float[] memoryBefore = net.memory().queue();
          TrainingStep.Losses losses = null;
          for (int i = 0; i < 3; i++) {
            losses = step(step, rng, 0.05f, true);
            assertThat(losses.supervised()).isPositive();
            assertThat(losses.unsupervised()).isPositive();
          }
          assertThat(losses.total()).isFinite();
          assertThat(net.memory().queue()).isEqualTo(memoryBefore);
          return null;
        });
  }
}
