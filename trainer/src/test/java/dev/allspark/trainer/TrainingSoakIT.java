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
 * base manager's array count does not grow with the iterations (nothing leaks onto it), and the
 * memory outside the Java heap (VmRSS minus the committed heap and non-heap pools: libtorch's
 * allocations, DJL's direct buffers, thread stacks) does not grow between iteration 50 (after
 * warm-up) and iteration 300 beyond allocator noise. The Java heap is left out because it grows
 * towards -Xmx on its own schedule.
 */
class TrainingSoakIT {
  static final int ITERATIONS = 300;
  static final long ALLOWED_GROWTH_KB = 48 * 1024;

  /** Resident memory not accounted to the Java heap or non-heap pools, in KB. */
  static long nativeKb() throws IOException {
    System.gc(); // releases direct buffers that are no longer referenced
    var memory = java.lang.management.ManagementFactory.getMemoryMXBean();
    long javaKb =
        (memory.getHeapMemoryUsage().getCommitted() + memory.getNonHeapMemoryUsage().getCommitted())
            / 1024;
    return rssKb() - javaKb;
  }

  static long rssKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  /** At most this many refused updates (2 % of the iterations); each is listed on failure. */
  static final int MAX_REFUSED = ITERATIONS / 50;

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
        long nativeAfterWarmUp = -1;
        long nativePeak = 0;
        List<String> refusals = new java.util.ArrayList<>();
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
          if (losses.skipped()) {
            try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
              // in a scope: abs() and max() of a weight would otherwise land on the base manager
              float wmax =
                  net.namedParameters()
                      .get("backbone.patch_embed1.proj.weight")
                      .getArray()
                      .abs()
                      .max()
                      .getFloat();
              refusals.add("iteration " + it + ": " + losses + ", weight max " + wmax);
            }
          }
          if (it == 50) {
            arraysAfterWarmUp = base.getManagedArrays().size();
            nativeAfterWarmUp = nativeKb();
          } else if (it > 50) {
            // Exactly as many: every step's arrays live on its own sub-manager. (This bound had a
            // slack of 4 and still failed once, 270 for 264: each step the gradient guard refused
            // ran the diagnostic above outside a scope and left two arrays on the base manager,
            // and steps were refused because of the Number-operand hazard, see model/README.md.)
            assertThat(base.getManagedArrays().size())
                .as("arrays on the base manager after iteration " + it)
                .isEqualTo((int) arraysAfterWarmUp);
            if (it % 25 == 0) {
              nativePeak = Math.max(nativePeak, nativeKb());
            }
          }
        }
        long nativeEnd = nativeKb();
        System.out.printf(
            "soak: %d iterations (%d refused by the gradient guard), base-manager arrays %d"
                + " after warm-up, %d at end, memory outside the Java heap %d MB after warm-up, %d MB peak,"
                + " %d MB at end (VmRSS %d MB)%n",
            ITERATIONS,
            refusals.size(),
            arraysAfterWarmUp,
            base.getManagedArrays().size(),
            nativeAfterWarmUp / 1024,
            nativePeak / 1024,
            nativeEnd / 1024,
            rssKb() / 1024);
        assertThat(nativeEnd - nativeAfterWarmUp).isLessThan(ALLOWED_GROWTH_KB);
        // A refused step is rare (see GradientGuard); many would mean a real divergence.
        assertThat(refusals.size())
            .as("updates the gradient guard refused: %s", refusals)
            .isLessThan(MAX_REFUSED);
      }
    }
  }

  private static Sample strip(Sample s) {
    return new Sample(s.id(), s.image(), null);
  }
}
