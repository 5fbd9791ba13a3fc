package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.TruncatedNormalInitializer;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.training.initializer.XavierInitializer;

/** {@code nn.Linear}: weight [out, in], optional bias, over the last axis. */
final class Dense extends Layer {
  private final Parameter weight;
  private final Parameter bias;

  private Dense(int in, int out, boolean withBias, Initializer init, Initializer biasInit) {
    weight = param("weight", new Shape(out, in), init);
    bias = withBias ? param("bias", new Shape(out), biasInit) : null;
  }

  private Dense(int in, int out, boolean withBias, Initializer init) {
    this(in, out, withBias, init, new ConstantInitializer(0f));
  }

  /** PyTorch's default: weight and bias uniform in +-1/sqrt(in) (the reference's head). */
  static Dense torchDefault(int in, int out, boolean withBias) {
    UniformInitializer init = new UniformInitializer((float) (1 / Math.sqrt(in)));
    return new Dense(in, out, withBias, init, init);
  }

  /** SegFormer's initialisation: truncated normal, std 0.02, zero bias. */
  static Dense segformer(int in, int out, boolean withBias) {
    return new Dense(in, out, withBias, new TruncatedNormalInitializer(0.02f));
  }

  /** AllSpark's initialisation: Xavier uniform (bound sqrt(6 / (in + out))). */
  static Dense xavier(int in, int out, boolean withBias) {
    return new Dense(
        in,
        out,
        withBias,
        new XavierInitializer(
            XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.AVG, 3f));
  }

  /** The weight [out, in], in the graph (its gradient reaches the parameter). */
  NDArray weightArray() {
    return weight.getArray();
  }

  /** The bias [out], or null. */
  NDArray biasArray() {
    return bias == null ? null : bias.getArray();
  }

  NDArray apply(NDArray x) {
    // y = x W^T (+ b), over the last axis
    return Linear.linear(x, weight.getArray(), bias == null ? null : bias.getArray())
        .singletonOrThrow();
  }
}
