package dev.allspark.model;

import ai.djl.ndarray.NDArray;

/**
 * AllSpark's channel-wise attention ({@code CrossAttnMem} in the reference): tokens are [B, N, C]
 * and attention runs between channels, not tokens, so each logit matrix is channels x channels.
 * Logits are not scaled by 1/sqrt(d); each whole matrix is instance-normalised instead.
 *
 * <ul>
 *   <li>{@link #selfAttention}: unlabeled branch, H heads of width C.
 *   <li>{@link #crossAttention}: labeled branch, one head of width H*C, keys and values from a
 *       shared source (the Semantic Memory, or the batch's unlabeled images).
 *   <li>{@link #ownAttention}: labeled branch with each image's own keys and values (inference).
 * </ul>
 */
final class ChannelCrossAttention extends Layer {
  private static final float INSTANCE_NORM_EPS = 1e-5f;

  private final int channels;
  private final int heads;
  private final float dropout;
  private final Dense qU;
  private final Dense kU;
  private final Dense vU;
  private final Dense qL2u;
  private final Dense kL2u;
  private final Dense vL2u;
  private final Dense outU;
  private final Dense outL2u;

  ChannelCrossAttention(int channels, int heads, float dropout) {
    this.channels = channels;
    this.heads = heads;
    this.dropout = dropout;
    int width = channels * heads;
    qU = addChildBlock("q_u", Dense.xavier(channels, width, false));
    kU = addChildBlock("k_u", Dense.xavier(channels, width, false));
    vU = addChildBlock("v_u", Dense.xavier(channels, width, false));
    qL2u = addChildBlock("q_l2u", Dense.xavier(channels, width, false));
    kL2u = addChildBlock("k_l2u", Dense.xavier(channels, width, false));
    vL2u = addChildBlock("v_l2u", Dense.xavier(channels, width, false));
    outU = addChildBlock("out_u", Dense.xavier(width, channels, false));
    outL2u = addChildBlock("out_l2u", Dense.xavier(width, channels, false));
  }

  /** Unlabeled branch: [B, N, C] -> [B, N, C]. */
  NDArray selfAttention(NDArray e, boolean training) {
    long b = e.getShape().get(0);
    long n = e.getShape().get(1);
    // 1. project and split into heads (channel index h*C + c): q^T, v^T [B, H, C, N], k [B, H, N,
    // C]
    NDArray qT = qU.apply(e).reshape(b, n, heads, channels).transpose(0, 2, 3, 1);
    NDArray k = kU.apply(e).reshape(b, n, heads, channels).transpose(0, 2, 1, 3);
    NDArray vT = vU.apply(e).reshape(b, n, heads, channels).transpose(0, 2, 3, 1);
    // 2. channel-to-channel logits [B, H, C, C], instance-normalised, softmax over keys
    NDArray attention = Dropout.values(instanceNorm(qT.matMul(k)).softmax(-1), dropout, training);
    // 3. weighted values [B, H, C, N], merged back in the order c*H + h
    NDArray merged = attention.matMul(vT).transpose(0, 3, 2, 1).reshape(b, n, channels * heads);
    return Dropout.values(outU.apply(merged), dropout, training);
  }

  /**
   * Labeled branch with shared keys: queries [B, N, C] attend to the channels of every source
   * image; source [M, N, C] gives M*H*C keys.
   */
  NDArray crossAttention(NDArray e, NDArray source, boolean training) {
    long b = e.getShape().get(0);
    long n = e.getShape().get(1);
    long m = source.getShape().get(0);
    int width = channels * heads;
    // 1. queries q^T [B, HC, N]
    NDArray qT = qL2u.apply(e).transpose(0, 2, 1);
    // 2. keys and values of all sources concatenated along channels, source-major: [N, M*HC]
    NDArray k = kL2u.apply(source).transpose(1, 0, 2).reshape(n, m * width);
    NDArray v = vL2u.apply(source).transpose(1, 0, 2).reshape(n, m * width);
    // 3. logits [B, HC, M*HC], instance-normalised, softmax over keys
    NDArray attention = Dropout.values(instanceNorm(qT.matMul(k)).softmax(-1), dropout, training);
    // 4. weighted values [B, HC, N] -> tokens [B, N, HC] -> output projection
    NDArray out = attention.matMul(v.transpose(1, 0)).transpose(0, 2, 1);
    return Dropout.values(outL2u.apply(out), dropout, training);
  }

  /** Labeled branch where each image attends to its own channels only: [B, N, C] -> [B, N, C]. */
  NDArray ownAttention(NDArray e, boolean training) {
    // 1. per image: q^T [B, HC, N], k [B, N, HC], v^T [B, HC, N]
    NDArray qT = qL2u.apply(e).transpose(0, 2, 1);
    NDArray k = kL2u.apply(e);
    NDArray vT = vL2u.apply(e).transpose(0, 2, 1);
    // 2. logits [B, HC, HC], instance-normalised, softmax over keys
    NDArray attention = Dropout.values(instanceNorm(qT.matMul(k)).softmax(-1), dropout, training);
    // 3. weighted values back to tokens, output projection
    return Dropout.values(outL2u.apply(attention.matMul(vT).transpose(0, 2, 1)), dropout, training);
  }

  /**
   * {@code InstanceNorm2d} without affine: each trailing matrix to mean 0, biased variance 1. As
   * libtorch's own {@code instance_norm} does, it is a training-mode {@code batch_norm} over the
   * matrices as channels of one image: one fused kernel forward and one backward. (Composed of
   * mean, sub, square, sqrt and div it took 40 % of a training iteration: seven passes forward and
   * more backward over the cross-attention logits, 2.9 M values per image; model/README.md.)
   */
  static NDArray instanceNorm(NDArray x) {
    ai.djl.ndarray.types.Shape shape = x.getShape();
    long rows =
        shape.size() / (shape.get(shape.dimension() - 2) * shape.get(shape.dimension() - 1));
    NDArray flat = x.reshape(1, rows, -1);
    ai.djl.ndarray.NDManager m = x.getManager();
    ai.djl.ndarray.types.Shape perRow = new ai.djl.ndarray.types.Shape(rows);
    // no affine (weight 1, bias 0, not trained); running statistics kept (DJL's momentum is
    // their share: 1) and thrown away with the arrays
    return ai.djl.nn.norm.BatchNorm.batchNorm(
            flat,
            m.zeros(perRow),
            m.ones(perRow),
            m.ones(perRow),
            m.zeros(perRow),
            -1, // straight to libtorch: channels on axis 1
            1f,
            INSTANCE_NORM_EPS,
            true)
        .singletonOrThrow()
        .reshape(shape);
  }
}
