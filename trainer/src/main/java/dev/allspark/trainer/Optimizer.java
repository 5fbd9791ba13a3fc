package dev.allspark.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import dev.allspark.model.Checkpoint;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A parameter update rule with PyTorch's semantics whose state (momentum, moments) is plain named
 * tensors, so that it goes into checkpoints and a resumed run continues exactly. Updates run with
 * autograd off and never enter a gradient path.
 */
public abstract class Optimizer implements AutoCloseable {
  private static final NDIndex ALL = new NDIndex("...");

  /** The update rules the command line and the online trainer offer. */
  public enum Kind {
    /** {@code torch.optim.SGD}, momentum 0.9, dampening 0: the reference's optimizer. */
    SGD,
    /** {@code torch.optim.AdamW}, betas 0.9 / 0.999, eps 1e-8: SegFormer's own optimizer. */
    ADAMW;

    public static Kind parse(String name, String setting) {
      try {
        return valueOf(name.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(setting + " " + name + ": expected sgd or adamw", e);
      }
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Weight decay when none is given: the reference's 1e-4 for SGD, SegFormer's 0.01 for AdamW.
     */
    public float defaultWeightDecay() {
      return this == SGD ? 1e-4f : 0.01f;
    }

    public Optimizer create(Map<String, Parameter> params, float weightDecay, NDManager manager) {
      return this == SGD
          ? new SgdMomentum(params, 0.9f, weightDecay, manager)
          : new AdamW(params, 0.9f, 0.999f, 1e-8f, weightDecay, manager);
    }
  }

  protected final Map<String, Parameter> params = new LinkedHashMap<>();
  protected final NDManager manager;

  /**
   * @param params the parameters by name (non-trainable ones are skipped)
   * @param manager a long-lived manager on the parameters' device; the state lives on a child
   */
  protected Optimizer(Map<String, Parameter> params, NDManager manager) {
    params.forEach(
        (name, p) -> {
          if (p.requiresGradient()) {
            this.params.put(name, p);
          }
        });
    this.manager = manager.newSubManager();
  }

  /** Which rule this is. */
  public abstract Kind kind();

  /**
   * One update with learning rate {@code lr}, then the gradients are zeroed.
   *
   * @param scale factor applied to every gradient first (gradient clipping)
   */
  public final void step(float lr, float scale) {
    // Temporaries of the update would otherwise land on the parameters' long-lived manager.
    try (NDScope scope = new NDScope()) {
      for (Map.Entry<String, Parameter> e : params.entrySet()) {
        NDArray weight = e.getValue().getArray();
        NDArray grad = weight.getGradient();
        update(e.getKey(), weight, scale == 1f ? grad : grad.mul(scale), lr);
        grad.subi(grad);
      }
      advance();
    }
  }

  /** One update without clipping. */
  public final void step(float lr) {
    step(lr, 1f);
  }

  /** Updates one parameter in place from its (scaled) gradient. */
  protected abstract void update(String name, NDArray weight, NDArray grad, float lr);

  /** Called once after every parameter of a step was updated. */
  protected void advance() {}

  /** The global L2 norm of the current gradients (NaN or infinite when any is). */
  public final float gradientNorm() {
    try (NDScope scope = new NDScope()) {
      double squares = 0;
      for (Parameter p : params.values()) {
        squares += p.getArray().getGradient().square().sum().getFloat();
      }
      return (float) Math.sqrt(squares);
    }
  }

  /** Zeroes every gradient without updating (e.g. after a skipped step); NaN is cleared too. */
  public final void zeroGradients() {
    try (NDManager scope = manager.newSubManager()) {
      for (Parameter p : params.values()) {
        NDArray grad = p.getArray().getGradient();
        grad.attach(scope); // temporaries of set() land on the scope, not the weights' manager
        grad.set(ALL, 0f); // x - x would leave NaN where x is NaN or infinite
      }
    }
  }

  /** The state, for a checkpoint: named tensors. */
  public abstract Map<String, Checkpoint.Tensor> state();

  /**
   * Restores the state from a checkpoint.
   *
   * @throws IllegalArgumentException when the state is another rule's or names an unknown parameter
   */
  public abstract void restore(Map<String, Checkpoint.Tensor> state);

  /** A state tensor kept on this optimizer's manager, outside any scope. */
  protected final NDArray keep(NDArray array) {
    array.attach(manager);
    NDScope.unregister(array);
    return array;
  }

  protected final void checkKnown(String name) {
    if (!params.containsKey(name)) {
      throw new IllegalArgumentException("optimizer state for unknown parameter " + name);
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
