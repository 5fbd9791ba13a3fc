package dev.allspark.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import dev.allspark.model.AllSparkNet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A mean teacher (Tarvainen and Valpola, 2017): a second copy of the network whose weights are an
 * exponential moving average of the student's, used only to make the pseudo-labels. Not part of the
 * AllSpark reference, which labels the unlabeled batch with the student itself; an option against
 * confirmation bias when the student starts from scratch and fits its own mistakes.
 *
 * <p>The decay ramps as {@code min(decay, 1 - 1/(t+1))}, so the teacher follows the student closely
 * at the start and averages over about {@code 1/(1-decay)} updates later. BatchNorm running
 * statistics are averaged the same way; integer state is copied.
 */
public final class EmaTeacher {
  private static final NDIndex ALL = new NDIndex("...");

  private final AllSparkNet teacher;
  private final float decay;
  private final List<NDArray[]> pairs = new ArrayList<>();
  private long updates;

  /**
   * @param student the network being trained; the teacher starts as an exact copy of it
   * @param decay the EMA decay, in (0, 1)
   * @param manager a long-lived manager on the student's device, for the teacher's weights
   */
  public EmaTeacher(AllSparkNet student, float decay, NDManager manager) {
    if (!(decay > 0f && decay < 1f)) {
      throw new IllegalArgumentException("EMA teacher decay must be in (0, 1), got " + decay);
    }
    this.decay = decay;
    this.teacher = AllSparkNet.create(student.config(), manager, 0);
    Map<String, Parameter> from = student.namedParameters();
    Map<String, Parameter> to = teacher.namedParameters();
    if (!from.keySet().equals(to.keySet())) {
      throw new IllegalStateException("teacher and student parameters differ");
    }
    try (NDScope scope = new NDScope()) {
      for (Map.Entry<String, Parameter> e : from.entrySet()) {
        NDArray s = e.getValue().getArray();
        NDArray t = to.get(e.getKey()).getArray();
        t.set(ALL, s);
        pairs.add(new NDArray[] {t, s});
      }
    }
  }

  /** The teacher network (evaluation-mode forwards only). */
  public AllSparkNet network() {
    return teacher;
  }

  /** The decay the next update will use. */
  public float currentDecay() {
    return Math.min(decay, 1f - 1f / (updates + 2));
  }

  /** Moves the teacher towards the student's current weights; call after each applied update. */
  public void update() {
    float d = currentDecay();
    try (NDScope scope = new NDScope()) {
      for (NDArray[] p : pairs) {
        NDArray t = p[0];
        NDArray s = p[1];
        if (t.getDataType() == DataType.FLOAT32 || t.getDataType() == DataType.FLOAT16) {
          t.muli(d).addi(s.mul(1f - d));
        } else {
          t.set(ALL, s);
        }
      }
    }
    updates++;
  }

  /** The teacher's weights and update count, for a checkpoint. */
  public Map<String, dev.allspark.model.Checkpoint.Tensor> state() {
    Map<String, dev.allspark.model.Checkpoint.Tensor> out = new java.util.LinkedHashMap<>();
    teacher
        .namedParameters()
        .forEach((name, p) -> out.put(name, dev.allspark.model.Checkpoint.Tensor.of(p.getArray())));
    out.put(
        "updates", new dev.allspark.model.Checkpoint.Tensor(new long[] {1}, new float[] {updates}));
    return out;
  }

  /** Restores what {@link #state()} saved. */
  public void restore(Map<String, dev.allspark.model.Checkpoint.Tensor> state) {
    Map<String, Parameter> params = teacher.namedParameters();
    for (Map.Entry<String, dev.allspark.model.Checkpoint.Tensor> e : state.entrySet()) {
      if (e.getKey().equals("updates")) {
        updates = (long) e.getValue().data()[0];
        continue;
      }
      Parameter p = params.get(e.getKey());
      if (p == null) {
        throw new IllegalArgumentException("teacher state for unknown parameter " + e.getKey());
      }
      p.getArray().set(e.getValue().data());
    }
  }
}
