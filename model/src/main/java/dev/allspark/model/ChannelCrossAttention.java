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
    NDArray attention = drop(instanceNorm(qT.matMul(k)).softmax(-1), training);
    // 3. weighted values [B, H, C, N], merged back in the order c*H + h
    NDArray merged = attention.matMul(vT).transpose(0, 3, 2, 1).reshape(b, n, channels * heads);
    return drop(outU.apply(merged), training);
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
    NDArray attention = drop(instanceNorm(qT.matMul(k)).softmax(-1), training);
    // 4. weighted values [B, HC, N] -> tokens [B, N, HC] -> output projection
    NDArray out = attention.matMul(v.transpose(1, 0)).transpose(0, 2, 1);
    return drop(outL2u.apply(out), training);
  }

  /** Labeled branch where each image attends to its own channels only: [B, N, C] -> [B, N, C]. */
  NDArray ownAttention(NDArray e, boolean training) {
    // 1. per image: q^T [B, HC, N], k [B, N, HC], v^T [B, HC, N]
    NDArray qT = qL2u.apply(e).transpose(0, 2, 1);
    NDArray k = kL2u.apply(e);
    NDArray vT = vL2u.apply(e).transpose(0, 2, 1);
    // 2. logits [B, HC, HC], instance-normalised, softmax over keys
    NDArray attention = drop(instanceNorm(qT.matMul(k)).softmax(-1), training);
    // 3. weighted values back to tokens, output projection
    return drop(outL2u.apply(attention.matMul(vT).transpose(0, 2, 1)), training);
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

  /**
   * Inverted dropout, as {@code nn.Dropout}: each value kept with probability 1 - p and scaled by 1
   * / (1 - p). libtorch's {@code bernoulli_} (what {@code nn.Dropout} draws with) took 55 ms per
   * training iteration on this CPU for the cross-attention map alone (5.8 M values, one thread) and
   * {@code uniform_} 28 ms; the mask is drawn here instead, 16 bits a value from a SplittableRandom
   * seeded by one draw of libtorch's generator (so {@code Engine.setRandomSeed} still makes a run
   * repeatable), a few milliseconds (model/README.md).
   */
  private NDArray drop(NDArray x, boolean training) {
    return training && dropout > 0 ? dropout(x, dropout) : x;
  }

  /** {@link #drop}'s inverted dropout at rate {@code p} in (0, 1). */
  static NDArray dropout(NDArray x, float p) {
    float keep = 1 - p;
    ai.djl.ndarray.NDManager m = x.getManager();
    if (!ai.djl.Device.Type.CPU.equals(x.getDevice().getDeviceType())) {
      // on a GPU the draw is fast where the tensor is; a host mask would cross the bus each time
      NDArray uniform = m.randomUniform(0f, 1f, x.getShape());
      return Scalar.div(x.mul(Scalar.lt(uniform, keep).toType(DT_FLOAT32, false)), keep);
    }
    long seed =
        m.randomInteger(0, Long.MAX_VALUE, new ai.djl.ndarray.types.Shape(1), DT_INT64).getLong();
    java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
    int threshold = Math.round(keep * 65536); // a 16-bit draw below it keeps its value
    byte[] bits = new byte[Math.toIntExact(x.size())];
    int i = 0;
    for (; i + 4 <= bits.length; i += 4) {
      long r = rng.nextLong();
      bits[i] = (byte) ((r & 0xFFFF) < threshold ? 1 : 0);
      bits[i + 1] = (byte) (((r >>> 16) & 0xFFFF) < threshold ? 1 : 0);
      bits[i + 2] = (byte) (((r >>> 32) & 0xFFFF) < threshold ? 1 : 0);
      bits[i + 3] = (byte) ((r >>> 48) < threshold ? 1 : 0);
    }
    for (; i < bits.length; i++) {
      bits[i] = (byte) (rng.nextInt(65536) < threshold ? 1 : 0);
    }
    // the float mask is libtorch's own copy (toType), kept by autograd for the backward pass
    NDArray mask =
        m.create(java.nio.ByteBuffer.wrap(bits), x.getShape(), DT_UINT8).toType(DT_FLOAT32, false);
    return Scalar.div(x.mul(mask), keep);
  }

  private static final ai.djl.ndarray.types.DataType DT_INT64 = ai.djl.ndarray.types.DataType.INT64;
  private static final ai.djl.ndarray.types.DataType DT_UINT8 = ai.djl.ndarray.types.DataType.UINT8;
  private static final ai.djl.ndarray.types.DataType DT_FLOAT32 =
      ai.djl.ndarray.types.DataType.FLOAT32;
}
