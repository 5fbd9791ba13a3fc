package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.UniformInitializer;

/** {@code nn.Conv2d} with square kernel, stride, padding and groups, with bias. */
final class Conv extends Layer {
  private final Parameter weight;
  private final Parameter bias;
  private final Shape stride;
  private final Shape padding;
  private final int groups;

  /** SegFormer's encoder initialisation: normal(0, sqrt(2 / fan_out)), zero bias. */
  Conv(int in, int out, int kernel, int stride, int padding, int groups, boolean withBias) {
    this(in, out, kernel, stride, padding, groups, withBias, false);
  }

  /**
   * @param torchDefault PyTorch's default initialisation instead (uniform +-1/sqrt(fan_in) for
   *     weight and bias), as the reference's head and AllSpark convolutions keep
   */
  Conv(
      int in,
      int out,
      int kernel,
      int stride,
      int padding,
      int groups,
      boolean withBias,
      boolean torchDefault) {
    if (in % groups != 0 || out % groups != 0) {
      throw new IllegalArgumentException(
          "channels " + in + " -> " + out + " are not divisible by groups " + groups);
    }
    int fanOut = kernel * kernel * out / groups;
    float bound = (float) (1 / Math.sqrt(kernel * kernel * in / (double) groups));
    weight =
        param(
            "weight",
            new Shape(out, in / groups, kernel, kernel),
            torchDefault
                ? new UniformInitializer(bound)
                : new NormalInitializer((float) Math.sqrt(2.0 / fanOut)));
    bias =
        withBias
            ? param(
                "bias",
                new Shape(out),
                torchDefault ? new UniformInitializer(bound) : new ConstantInitializer(0f))
            : null;
    this.stride = new Shape(stride, stride);
    this.padding = new Shape(padding, padding);
    this.groups = groups;
  }

  /** The weight [out, in / groups, k, k], in the graph. */
  NDArray weightArray() {
    return weight.getArray();
  }

  NDArray apply(NDArray x) {
    // NCHW convolution
    return Conv2d.conv2d(
            x,
            weight.getArray(),
            bias == null ? null : bias.getArray(),
            stride,
            padding,
            new Shape(1, 1),
            groups)
        .singletonOrThrow();
  }
}
