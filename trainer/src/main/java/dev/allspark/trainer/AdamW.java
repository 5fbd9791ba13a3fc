package dev.allspark.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.allspark.model.Checkpoint;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW, PyTorch's semantics ({@code torch.optim.AdamW}, not amsgrad): decoupled weight decay
 * {@code w *= 1 - lr wd}, then {@code m = b1 m + (1 - b1) g}, {@code v = b2 v + (1 - b2) g^2},
 * {@code w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)}. Weight decay applies to
 * every parameter, as {@code AdamW(model.parameters(), weight_decay=wd)} does.
 */
public final class AdamW extends Optimizer {
  private final float beta1;
  private final float beta2;
  private final float eps;
  private final float weightDecay;
  private final Map<String, NDArray> first = new LinkedHashMap<>();
  private final Map<String, NDArray> second = new LinkedHashMap<>();
  private long steps;

  public AdamW(
      Map<String, Parameter> params,
      float beta1,
      float beta2,
      float eps,
      float weightDecay,
      NDManager manager) {
    super(params, manager);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
  }

  @Override
  public Kind kind() {
    return Kind.ADAMW;
  }

  /** Updates taken so far (the bias corrections' t). */
  public long steps() {
    return steps;
  }

  @Override
  protected void update(String name, NDArray weight, NDArray grad, float lr) {
    long t = steps + 1;
    NDArray m = first.get(name);
    NDArray v = second.get(name);
    if (m == null) {
      m = keep(weight.zerosLike());
      v = keep(weight.zerosLike());
      first.put(name, m);
      second.put(name, v);
    }
    if (weightDecay != 0) {
      weight.muli(1 - lr * weightDecay);
    }
    m.muli(beta1).addi(grad.mul(1 - beta1));
    v.muli(beta2).addi(grad.square().muli(1 - beta2));
    double correction1 = 1 - Math.pow(beta1, t);
    double correction2 = 1 - Math.pow(beta2, t);
    NDArray denominator = v.sqrt().divi((float) Math.sqrt(correction2)).addi(eps);
    weight.subi(m.div(denominator).muli((float) (lr / correction1)));
  }

  @Override
  protected void advance() {
    steps++;
  }

  @Override
  public Map<String, Checkpoint.Tensor> state() {
    Map<String, Checkpoint.Tensor> out = new LinkedHashMap<>();
    first.forEach((name, m) -> out.put("adamw.m." + name, Checkpoint.Tensor.of(m)));
    second.forEach((name, v) -> out.put("adamw.v." + name, Checkpoint.Tensor.of(v)));
    out.put("adamw.steps", new Checkpoint.Tensor(new long[] {1}, new float[] {steps}));
    return out;
  }

  @Override
  public void restore(Map<String, Checkpoint.Tensor> state) {
    for (Map.Entry<String, Checkpoint.Tensor> e : state.entrySet()) {
      String key = e.getKey();
      if (key.startsWith("momentum.")) {
        throw new IllegalArgumentException(
            "the checkpoint holds SGD momentum; resume it with the SGD optimizer");
      }
      if (key.equals("adamw.steps")) {
        steps = (long) e.getValue().data()[0];
      } else if (key.startsWith("adamw.m.") || key.startsWith("adamw.v.")) {
        String name = key.substring("adamw.m.".length());
        checkKnown(name);
        Map<String, NDArray> target = key.startsWith("adamw.m.") ? first : second;
        NDArray old = target.put(name, keep(e.getValue().toArray(manager)));
        if (old != null) {
          old.close();
        }
      }
    }
  }
}
