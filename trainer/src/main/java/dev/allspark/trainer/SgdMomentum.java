package dev.allspark.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import dev.allspark.model.Checkpoint;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SGD with momentum and weight decay, PyTorch's semantics ({@code torch.optim.SGD}, dampening 0,
 * not Nesterov): {@code g += wd * w; buf = momentum * buf + g; w -= lr * buf}. Its momentum buffers
 * are plain named tensors, so they go into checkpoints and a resumed run continues exactly.
 */
public final class SgdMomentum implements AutoCloseable {
  private static final NDIndex ALL = new NDIndex("...");

  private final Map<String, Parameter> params;
  private final float momentum;
  private final float weightDecay;
  private final NDManager manager;
  private final Map<String, NDArray> buffers = new LinkedHashMap<>();

  /**
   * @param params the trainable parameters by name (non-trainable ones are skipped)
   * @param manager a long-lived manager on the parameters' device for the momentum buffers
   */
  public SgdMomentum(
      Map<String, Parameter> params, float momentum, float weightDecay, NDManager manager) {
    this.params = new LinkedHashMap<>();
    params.forEach(
        (name, p) -> {
          if (p.requiresGradient()) {
            this.params.put(name, p);
          }
        });
    this.momentum = momentum;
    this.weightDecay = weightDecay;
    this.manager = manager.newSubManager();
  }

  /** The global L2 norm of the current gradients (NaN or infinite when any is). */
  public float gradientNorm() {
    try (NDScope scope = new NDScope()) {
      double squares = 0;
      for (Parameter p : params.values()) {
        squares += p.getArray().getGradient().square().sum().getFloat();
      }
      return (float) Math.sqrt(squares);
    }
  }

  /**
   * One update with learning rate {@code lr}, then the gradients are zeroed.
   *
   * @param scale factor applied to every gradient first (gradient clipping)
   */
  public void step(float lr, float scale) {
    // Temporaries of the update would otherwise land on the parameters' long-lived manager.
    try (NDScope scope = new NDScope()) {
      for (Map.Entry<String, Parameter> e : params.entrySet()) {
        NDArray weight = e.getValue().getArray();
        NDArray grad = weight.getGradient();
        NDArray scaled = scale == 1f ? grad : grad.mul(scale);
        NDArray direction = weightDecay == 0 ? scaled : scaled.add(weight.mul(weightDecay));
        NDArray buffer = buffers.get(e.getKey());
        if (buffer == null) {
          buffer = direction.duplicate();
          buffer.attach(manager);
          NDScope.unregister(buffer);
          buffers.put(e.getKey(), buffer);
        } else {
          buffer.muli(momentum).addi(direction);
        }
        weight.subi(buffer.mul(lr));
        grad.subi(grad);
      }
    }
  }

  /** One update without clipping. */
  public void step(float lr) {
    step(lr, 1f);
  }

  /** Zeroes every gradient without updating (e.g. after a skipped step); NaN is cleared too. */
  public void zeroGradients() {
    try (NDManager scope = manager.newSubManager()) {
      for (Parameter p : params.values()) {
        NDArray grad = p.getArray().getGradient();
        grad.attach(scope); // temporaries of set() land on the scope, not the weights' manager
        grad.set(ALL, 0f); // x - x would leave NaN where x is NaN or infinite
      }
    }
  }

  /** The momentum buffers, for a checkpoint. */
  public Map<String, Checkpoint.Tensor> state() {
    Map<String, Checkpoint.Tensor> out = new LinkedHashMap<>();
    buffers.forEach((name, b) -> out.put("momentum." + name, Checkpoint.Tensor.of(b)));
    return out;
  }

  /** Restores momentum buffers from a checkpoint. */
  public void restore(Map<String, Checkpoint.Tensor> state) {
    for (Map.Entry<String, Checkpoint.Tensor> e : state.entrySet()) {
      if (!e.getKey().startsWith("momentum.")) {
        continue;
      }
      String name = e.getKey().substring("momentum.".length());
      if (!params.containsKey(name)) {
        throw new IllegalArgumentException("optimizer state for unknown parameter " + name);
      }
      NDArray old = buffers.put(name, e.getValue().toArray(manager));
      if (old != null) {
        old.close();
      }
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
