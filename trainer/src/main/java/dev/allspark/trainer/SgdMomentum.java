package dev.allspark.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
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

  /** One update with learning rate {@code lr}, then the gradients are zeroed. */
  public void step(float lr) {
    // Temporaries of the update would otherwise land on the parameters' long-lived manager.
    try (NDScope scope = new NDScope()) {
      for (Map.Entry<String, Parameter> e : params.entrySet()) {
        NDArray weight = e.getValue().getArray();
        NDArray grad = weight.getGradient();
        NDArray direction = weightDecay == 0 ? grad : grad.add(weight.mul(weightDecay));
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

  /** Zeroes every gradient without updating (e.g. after a skipped step). */
  public void zeroGradients() {
    try (NDScope scope = new NDScope()) {
      for (Parameter p : params.values()) {
        NDArray grad = p.getArray().getGradient();
        grad.subi(grad);
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
