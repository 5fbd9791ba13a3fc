package dev.allspark.model;

import ai.djl.ndarray.NDArray;

/**
 * Channel Semantic Grouping: assigns each channel of an unlabeled image's tokens to the class whose
 * (pseudo-)score map it resembles most. No gradient flows through it.
 */
final class ChannelSemanticGrouping {
  private ChannelSemanticGrouping() {}

  /**
   * @param classScores the unlabeled images' class scores [B, K, H', W'] (logits of the
   *     pseudo-labeling pass)
   * @param tokens the unlabeled images' normalised tokens [B, N, C], N = gridH * gridW
   * @return the class of each channel, [B][C]
   */
  static int[][] assign(NDArray classScores, NDArray tokens, int gridH, int gridW) {
    NDArray scores = classScores.stopGradient();
    NDArray emb = tokens.stopGradient();
    long batch = emb.getShape().get(0);
    long classes = scores.getShape().get(1);
    // 1. class scores resized to the token grid (bilinear, align_corners=false), [B, K, N]
    NDArray resized = Bilinear.resize(scores, gridH, gridW, false).reshape(batch, classes, -1);
    // 2. both sides L2-normalised along the token axis
    NDArray scoreUnit = l2normalize(resized, 2);
    NDArray embUnit = l2normalize(emb, 1);
    // 3. cosine similarity of every class with every channel, [B, K, C]
    NDArray similarity = scoreUnit.matMul(embUnit);
    // 4. each channel to its most similar class (first index on ties)
    NDArray best = similarity.argMax(1);
    long channels = emb.getShape().get(2);
    long[] flat = best.toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
    int[][] out = new int[(int) batch][(int) channels];
    for (int b = 0; b < batch; b++) {
      for (int c = 0; c < channels; c++) {
        out[b][c] = (int) flat[(int) (b * channels + c)];
      }
    }
    return out;
  }

  /** {@code F.normalize(x, dim=axis)}: x / max(||x||, 1e-12). */
  static NDArray l2normalize(NDArray x, int axis) {
    NDArray norm = Scalar.maximum(x.square().sum(new int[] {axis}, true).sqrt(), 1e-12f);
    return x.div(norm);
  }
}
