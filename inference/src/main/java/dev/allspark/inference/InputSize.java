package dev.allspark.inference;

import dev.allspark.model.Checkpoint;

/**
 * What the model sees of a frame: {@code width x height} ({@code --input-size}) times a scale,
 * either the checkpoint's own training scale ({@link Checkpoint#inputScale}, {@code --input-scale
 * checkpoint}: a model trained on half-resolution frames serves at half resolution, as {@code
 * evaluate} scores it) or a fixed one. Results are at each frame's own size either way.
 *
 * @param scale null = the checkpoint's; else in (0, 1]
 */
record InputSize(int width, int height, Double scale) {
  InputSize {
    if (scale != null && !(scale > 0 && scale <= 1)) {
      throw new IllegalArgumentException("scale must be in (0, 1], got " + scale);
    }
  }

  /** A fixed size, whatever the checkpoint says. */
  static InputSize fixed(int width, int height) {
    return new InputSize(width, height, 1.0);
  }

  /** The network input for this checkpoint: {@code {width, height}}, at least 32 each. */
  int[] forCheckpoint(Checkpoint checkpoint) {
    double s = scale != null ? scale : checkpoint.inputScale();
    return new int[] {
      Math.max(32, (int) Math.round(width * s)), Math.max(32, (int) Math.round(height * s))
    };
  }
}
