package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * {@code F.interpolate(x, size, mode="bilinear", align_corners=...)} on NCHW arrays, written as two
 * small matrix products ({@code R_h x R_w^T}) so that it is exact, differentiable and
 * engine-neutral. (DJL's PyTorch bridge interpolates with anti-aliasing, which changes
 * down-sampling; the reference code does not anti-alias.)
 */
final class Bilinear {
  private Bilinear() {}

  static NDArray resize(NDArray x, long height, long width, boolean alignCorners) {
    Shape shape = x.getShape();
    long inH = shape.get(shape.dimension() - 2);
    long inW = shape.get(shape.dimension() - 1);
    if (inH == height && inW == width) {
      return x;
    }
    NDManager manager = x.getManager();
    NDArray rows = weights(manager, (int) inH, (int) height, alignCorners);
    NDArray cols = weights(manager, (int) inW, (int) width, alignCorners).transpose();
    return rows.matMul(x).matMul(cols);
  }

  /** The [out, in] matrix whose rows hold each output position's two interpolation weights. */
  static NDArray weights(NDManager manager, int in, int out, boolean alignCorners) {
    float[] w = new float[out * in];
    double scale = alignCorners ? (out > 1 ? (in - 1) / (double) (out - 1) : 0) : in / (double) out;
    for (int o = 0; o < out; o++) {
      double src = alignCorners ? o * scale : Math.max((o + 0.5) * scale - 0.5, 0);
      int i0 = Math.min((int) Math.floor(src), in - 1);
      int i1 = Math.min(i0 + 1, in - 1);
      double lambda = src - i0;
      w[o * in + i0] += (float) (1 - lambda);
      w[o * in + i1] += (float) lambda;
    }
    return HostArrays.floats(manager, w, new Shape(out, in));
  }
}
