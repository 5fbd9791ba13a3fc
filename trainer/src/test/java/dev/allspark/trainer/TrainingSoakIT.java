package dev.allspark.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * 300 AllSpark training iterations at a tiny size with native memory flat. Measured two ways: the
 * base manager holds the same number of arrays after every iteration (nothing leaks onto it), and
 * the process's resident set (VmRSS, which includes libtorch's native heap) does not grow between
 * iteration 50 (after warm-up) and iteration 300 beyond allocator noise.
 */
class TrainingSoakIT {
  static final int ITERATIONS = 300;
  static final long ALLOWED_RSS_GROWTH_KB = 48 * 1024;

  static long rssKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  @Test
  void nativeMemoryStaysFlatOverThreeHundredIterations() throws IOException {
    Engine.getInstance().setRandomSeed(1);
    Random rng = new Random(1);
    Augmentation augmentation = new Augmentation(65, 11);
    List<Sample> pool =
        java.util.stream.IntStream.range(0, 8)
            .mapToObj(i -> AugmentationTest.coded(160, 120))
            .toList();
    try (NDManager base = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(11, 65), base, 1);
      try (SgdMomentum sgd = new SgdMomentum(net.namedParameters(), 0.9f, 1e-4f, base)) {
        TrainingStep step = new TrainingStep(net, sgd, Method.ALLSPARK, base);
        long arraysAfterWarmUp = -1;
        long rssAfterWarmUp = -1;
        long rssPeak = 0;
        for (int it = 1; it <= ITERATIONS; it++) {
          List<Sample> labeled =
              List.of(
                  augmentation.scaleCropFlip(pool.get(rng.nextInt(8)), rng),
                  augmentation.scaleCropFlip(pool.get(rng.nextInt(8)), rng));
          List<Sample> unlabeled =
              List.of(
                  strip(augmentation.scaleCropFlip(pool.get(rng.nextInt(8)), rng)),
                  strip(augmentation.scaleCropFlip(pool.get(rng.nextInt(8)), rng)));
          TrainingStep.Losses losses = step.run(labeled, unlabeled, 0.01f, it > 20);
          if (it <= 12) {
            System.out.println("DBG " + it + " " + losses);
          }
          if (losses.skipped()) {
            float wmax =
                net.namedParameters()
                    .get("backbone.patch_embed1.proj.weight")
                    .getArray()
                    .abs()
                    .max()
                    .getFloat();
            System.out.println("NAN at " + it + " " + losses + " weight max " + wmax);
          }
          if (it == 50) {
            System.gc();
            arraysAfterWarmUp = base.getManagedArrays().size();
            rssAfterWarmUp = rssKb();
          } else if (it > 50) {
            assertThat(base.getManagedArrays().size())
                .as("arrays on the base manager after iteration " + it)
                .isEqualTo(arraysAfterWarmUp);
            rssPeak = Math.max(rssPeak, rssKb());
          }
        }
        System.gc();
        long rssEnd = rssKb();
        System.out.printf(
            "soak: %d iterations, base-manager arrays %d (constant), VmRSS %d MB after warm-up, %d MB peak, %d MB at end%n",
            ITERATIONS, arraysAfterWarmUp, rssAfterWarmUp / 1024, rssPeak / 1024, rssEnd / 1024);
        assertThat(rssEnd - rssAfterWarmUp).isLessThan(ALLOWED_RSS_GROWTH_KB);
      }
    }
  }

  private static Sample strip(Sample s) {
    return new Sample(s.id(), s.image(), null);
  }
}
