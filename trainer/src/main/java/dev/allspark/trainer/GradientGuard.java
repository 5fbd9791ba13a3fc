package dev.allspark.trainer;

/**
 * Refuses parameter updates whose gradient norm is not finite or is far above the recent ones.
 *
 * <p>Why: a single such update destroys the weights. Earlier runs saw backward passes with
 * gradients of 1e10 to infinity every few hundred steps; their cause, DJL's {@code Number}-operand
 * ops reading freed memory, is fixed ({@code dev.allspark.model.Scalar}, {@code model/README.md}),
 * and no update has been refused since. A stream trainer must still survive a bad step (a corrupt
 * frame, a real numerical blow-up), so the guard stays as a safety net: the step is dropped and
 * counted ({@code allspark_trainer_steps_refused_total}) instead of applied.
 */
final class GradientGuard {
  /**
   * No step of this model has a gradient norm anywhere near this (they are 0.1 to 10); the corrupt
   * backward passes were 1e10 and up. Refused even during the warm-up, when there is no average
   * yet: one such update in the first steps would wreck the weights for good.
   */
  static final double ABSURD_NORM = 1e4;

  private final double factor;
  private final int warmUp;
  private double average = Double.NaN;
  private long accepted;
  private long refused;

  /**
   * @param factor a norm above factor x the running average is refused
   * @param warmUp accepted steps before the factor applies (only non-finite norms are refused)
   */
  GradientGuard(double factor, int warmUp) {
    this.factor = factor;
    this.warmUp = warmUp;
  }

  boolean accept(float norm) {
    boolean ok =
        Float.isFinite(norm)
            && norm < ABSURD_NORM
            && (accepted < warmUp || Double.isNaN(average) || norm <= factor * average);
    if (ok) {
      average = Double.isNaN(average) ? norm : 0.98 * average + 0.02 * norm;
      accepted++;
    } else {
      refused++;
    }
    return ok;
  }

  long refused() {
    return refused;
  }
}
