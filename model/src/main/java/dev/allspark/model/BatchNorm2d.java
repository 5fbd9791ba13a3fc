package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.initializer.ConstantInitializer;

/**
 * {@code nn.BatchNorm2d} (momentum 0.1, eps 1e-5): batch statistics in training, which also update
 * the running statistics; running statistics in evaluation.
 */
final class BatchNorm2d extends Layer {
  private final Parameter weight;
  private final Parameter bias;
  private final Parameter runningMean;
  private final Parameter runningVar;

  BatchNorm2d(int channels) {
    weight = param("weight", new Shape(channels), new ConstantInitializer(1f));
    bias = param("bias", new Shape(channels), new ConstantInitializer(0f));
    runningMean = state("running_mean", new Shape(channels), new ConstantInitializer(0f));
    runningVar = state("running_var", new Shape(channels), new ConstantInitializer(1f));
  }

  NDArray apply(NDArray x, boolean training) {
    // libtorch's batch_norm updates the running statistics in place when training
    return BatchNorm.batchNorm(
            x,
            runningMean.getArray(),
            runningVar.getArray(),
            weight.getArray(),
            bias.getArray(),
            -1, // -1: DJL passes straight to libtorch (channels on axis 1); 1 would re-attach the
            // input to a temporary manager
            0.9f, // DJL counts momentum as the running statistics' share: torch momentum 0.1
            1e-5f,
            training)
        .singletonOrThrow();
  }
}
