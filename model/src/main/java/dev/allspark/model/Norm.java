package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;

/**
 * {@code nn.LayerNorm} over the last axis, with affine weight and bias, written with elementwise
 * operations. libtorch 2.7.1's fused CPU {@code layer_norm} kernel, reached through DJL, returned
 * garbage gradients now and then (bit-identical forward passes, gradients of 1e15 and more in the
 * spatially reduced attention of stages 1-2), so it is not used.
 */
final class Norm extends Layer {
  private final Parameter weight;
  private final Parameter bias;
  private final Shape shape;
  private final float eps;

  Norm(int channels, float eps) {
    weight = param("weight", new Shape(channels), new ConstantInitializer(1f));
    bias = param("bias", new Shape(channels), new ConstantInitializer(0f));
    this.shape = new Shape(channels);
    this.eps = eps;
  }

  NDArray apply(NDArray x) {
    // normalise each token over its channels (biased variance), then scale and shift
    int[] last = {x.getShape().dimension() - 1};
    NDArray centered = x.sub(x.mean(last, true));
    NDArray variance = centered.square().mean(last, true);
    return centered
        .div(Scalar.add(variance, eps).sqrt())
        .mul(weight.getArray())
        .add(bias.getArray());
  }
}
