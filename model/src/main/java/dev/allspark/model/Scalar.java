package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.function.BinaryOperator;

/**
 * Arithmetic with a Java number, safe in a gradient path. Use these instead of DJL's {@code
 * Number}-argument ops ({@code mul(0.5f)}, {@code div(2f)}, {@code maximum(1f)}, ...), which the
 * model and the training step must never call ({@code NoScalarOperandTest} enforces it).
 *
 * <p>Why: DJL 0.36's PyTorch {@code NDArray.mul(Number)} and its siblings wrap the number in a
 * tensor made with {@code from_blob} over a Java direct buffer and close it right after the op.
 * Autograd saves that tensor for the backward pass (d(x*s)/dx needs s), but libtorch does not own
 * its memory: once the garbage collector frees the buffer, the backward pass multiplies by whatever
 * the freed memory now holds. The reproduction and the measured rate are in {@code
 * model/README.md}.
 *
 * <p>Here the constant is made by libtorch itself ({@code torch.full}), so its storage is owned and
 * reference-counted by libtorch: the Java handle is closed right after the op (nothing accumulates
 * on a long-lived manager) and autograd's saved reference keeps the value alive until the backward
 * pass is done.
 */
public final class Scalar {
  private static final Shape SCALAR = new Shape();

  private Scalar() {}

  /** A 0-d tensor of {@code value} in {@code like}'s type, owned by the engine. */
  public static NDArray of(NDArray like, float value) {
    return like.getManager().full(SCALAR, value, like.getDataType());
  }

  /** {@code x * value}. */
  public static NDArray mul(NDArray x, float value) {
    return apply(x, value, NDArray::mul);
  }

  /** {@code x / value}. */
  public static NDArray div(NDArray x, float value) {
    return apply(x, value, NDArray::div);
  }

  /** {@code x + value}. */
  public static NDArray add(NDArray x, float value) {
    return apply(x, value, NDArray::add);
  }

  /** {@code max(x, value)} elementwise. */
  public static NDArray maximum(NDArray x, float value) {
    return apply(x, value, NDArray::maximum);
  }

  /** {@code x < value} elementwise (boolean). */
  public static NDArray lt(NDArray x, float value) {
    return apply(x, value, NDArray::lt);
  }

  /** {@code x >= value} elementwise (boolean). */
  public static NDArray gte(NDArray x, float value) {
    return apply(x, value, NDArray::gte);
  }

  /** {@code op(x, value)} with the value as an engine-owned tensor, closed after the op. */
  private static NDArray apply(NDArray x, float value, BinaryOperator<NDArray> op) {
    try (NDArray c = of(x, value)) {
      return op.apply(x, c);
    }
  }
}
