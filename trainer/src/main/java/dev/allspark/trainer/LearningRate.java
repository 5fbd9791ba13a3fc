package dev.allspark.trainer;

/**
 * Poly learning rate with linear warm-up, as the reference ({@code lr * (1 - it / total)^0.9}),
 * preceded by {@code warmup} iterations rising linearly from lr/warmup to lr.
 */
public record LearningRate(double base, int warmup, int total, double power) {
  public LearningRate {
    if (base <= 0 || warmup < 0 || total < 1 || warmup >= total) {
      throw new IllegalArgumentException(
          "learning rate needs base > 0 and 0 <= warmup < total, got "
              + base
              + ", "
              + warmup
              + ", "
              + total);
    }
  }

  public float at(long iteration) {
    if (iteration < warmup) {
      return (float) (base * (iteration + 1) / warmup);
    }
    double progress = Math.min(1.0, (iteration - warmup) / (double) (total - warmup));
    return (float) (base * Math.pow(1 - progress, power));
  }
}
