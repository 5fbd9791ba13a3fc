package dev.allspark.trainer;

import java.util.Random;

/**
 * Draws indices epoch by epoch: a fresh shuffle each pass, every frame once per pass. The k-th draw
 * depends only on the seed and k, so a resumed run draws what the uninterrupted run would.
 */
final class EpochSampler {
  private final int size;
  private final long seed;
  private long epoch = -1;
  private int[] order;

  EpochSampler(int size, long seed) {
    this.size = size;
    this.seed = seed;
  }

  /** A seed for iteration {@code it} of a run seeded {@code seed} (SplitMix64's finaliser). */
  static long iterationSeed(long seed, long it) {
    long z = seed * 0x9E3779B97F4A7C15L + it;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  int at(long draw) {
    long e = draw / size;
    if (e != epoch) {
      Random rng = new Random(iterationSeed(seed, e));
      order = new int[size];
      for (int i = 0; i < size; i++) {
        order[i] = i;
      }
      for (int i = size - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      epoch = e;
    }
    return order[(int) (draw % size)];
  }
}
