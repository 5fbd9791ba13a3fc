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
    NDArray rowsT = weights(manager, (int) inH, (int) height, alignCorners).transpose();
    NDArray colsT = weights(manager, (int) inW, (int) width, alignCorners).transpose();
    // two plain matrix products over every leading index at once ([lead*W, H] x [H, H'], then
    // [lead*H', W] x [W, W']): a broadcast R_h x X x R_w^T ran one small product per channel and
    // copied every channel first (24 of 196 ms of a 480x360 frame; model/README.md)
    long lead = shape.size() / (inH * inW);
    NDArray t = x.reshape(lead, inH, inW).transpose(0, 2, 1).reshape(lead * inW, inH).matMul(rowsT);
    t = t.reshape(lead, inW, height).transpose(0, 2, 1).reshape(lead * height, inW).matMul(colsT);
    long[] out = shape.getShape().clone();
    out[out.length - 2] = height;
    out[out.length - 1] = width;
    return t.reshape(out);
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
