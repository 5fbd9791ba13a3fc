package dev.allspark.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.allspark.model.Checkpoint;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SGD with momentum and weight decay, PyTorch's semantics ({@code torch.optim.SGD}, dampening 0,
 * not Nesterov): {@code g += wd * w; buf = momentum * buf + g; w -= lr * buf}.
 */
public final class SgdMomentum extends Optimizer {
  private final float momentum;
  private final float weightDecay;
  private final Map<String, NDArray> buffers = new LinkedHashMap<>();

  /**
   * @param params the trainable parameters by name (non-trainable ones are skipped)
   * @param manager a long-lived manager on the parameters' device for the momentum buffers
   */
  public SgdMomentum(
      Map<String, Parameter> params, float momentum, float weightDecay, NDManager manager) {
    super(params, manager);
    this.momentum = momentum;
    this.weightDecay = weightDecay;
  }

  @Override
  public Kind kind() {
    return Kind.SGD;
  }

  @Override
  protected void update(String name, NDArray weight, NDArray grad, float lr) {
    NDArray direction = weightDecay == 0 ? grad : grad.add(weight.mul(weightDecay));
    NDArray buffer = buffers.get(name);
    if (buffer == null) {
      // the first step's buffer is g + wd w itself (no dampening)
      buffers.put(name, keep(direction.duplicate()));
      buffer = buffers.get(name);
    } else {
      buffer.muli(momentum).addi(direction);
    }
    weight.subi(buffer.mul(lr));
  }

  /** The momentum buffers, for a checkpoint. */
  @Override
  public Map<String, Checkpoint.Tensor> state() {
    Map<String, Checkpoint.Tensor> out = new LinkedHashMap<>();
    buffers.forEach((name, b) -> out.put("momentum." + name, Checkpoint.Tensor.of(b)));
    return out;
  }

  /** Restores momentum buffers from a checkpoint. */
  @Override
  public void restore(Map<String, Checkpoint.Tensor> state) {
    for (Map.Entry<String, Checkpoint.Tensor> e : state.entrySet()) {
      if (e.getKey().startsWith("adamw.")) {
        throw new IllegalArgumentException(
            "the checkpoint holds AdamW state; resume it with the AdamW optimizer");
      }
      if (!e.getKey().startsWith("momentum.")) {
        continue;
      }
      String name = e.getKey().substring("momentum.".length());
      checkKnown(name);
      NDArray old = buffers.put(name, keep(e.getValue().toArray(manager)));
      if (old != null) {
        old.close();
      }
    }
  }
}
