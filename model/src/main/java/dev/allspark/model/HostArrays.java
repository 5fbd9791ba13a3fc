package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Arrays made from Java data that own their memory. DJL's PyTorch {@code manager.create(float[])}
 * wraps a direct buffer without copying ({@code from_blob}); the buffer lives only as long as that
 * one NDArray object, while libtorch may keep tensors that share its storage (views, saved autograd
 * tensors, stolen gradients) longer. A copy owned by libtorch has no such hazard.
 */
public final class HostArrays {
  private HostArrays() {}

  public static NDArray floats(NDManager manager, float[] data, Shape shape) {
    try (NDArray wrapped = manager.create(data, shape)) {
      return wrapped.duplicate();
    }
  }

  public static NDArray longs(NDManager manager, long[] data, Shape shape) {
    try (NDArray wrapped = manager.create(data, shape)) {
      return wrapped.duplicate();
    }
  }
}
