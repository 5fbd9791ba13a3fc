package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;

/**
 * {@code nn.LayerNorm} over the last axis, with affine weight and bias: libtorch's fused {@code
 * layer_norm}. (An earlier session replaced it with elementwise operations after seeing garbage
 * gradients now and then; the cause was DJL's {@code Number}-operand ops elsewhere in the backward
 * pass, see {@code model/README.md}. With those gone, the fused kernel passes the golden tests and
 * {@code GradientIntegrityTest}.)
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
    return ai.djl.nn.norm.LayerNorm.layerNorm(x, shape, weight.getArray(), bias.getArray(), eps)
        .singletonOrThrow();
  }
}
