package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.initializer.ConstantInitializer;

/** {@code nn.LayerNorm} over the last axis, with affine weight and bias. */
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
    // normalise each token over its channels, then scale and shift
    return LayerNorm.layerNorm(x, shape, weight.getArray(), bias.getArray(), eps)
        .singletonOrThrow();
  }
}
