package dev.allspark.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.EngineThreads;
import dev.allspark.model.HostArrays;
import dev.allspark.model.Scalar;
import java.util.List;

/**
 * One training iteration, as the reference's {@code train_allspark.py}:
 *
 * <ol>
 *   <li>pseudo-labels: the same network in evaluation mode on the unlabeled images, no gradient;
 *   <li>one training forward of labeled + unlabeled images (the AllSpark block groups the unlabeled
 *       channels into the Semantic Memory, and reads the memory after warm-up);
 *   <li>loss = (CE(labeled, void ignored) + CE(unlabeled, pseudo-labels)) / 2;
 *   <li>SGD step.
 * </ol>
 *
 * Supervised-only: labeled images alone, labeled loss alone. Every iteration allocates on its own
 * sub-manager, closed at the end, so native memory stays flat over a long run.
 */
public final class TrainingStep {
  private final AllSparkNet net;
  private final Optimizer optimizer;
  private final Method method;
  private final NDManager base;
  private final float maxGradientNorm;
  private final RunningStatistics statistics;
  private final GradientGuard guard = new GradientGuard(100, 3);
  private EmaTeacher teacher;
  private boolean sumLosses;

  /**
   * What an iteration measured. {@code skipped}: the loss was not finite, so the update was not
   * applied (gradients dropped) rather than poisoning the weights.
   */
  public record Losses(
      float total, float supervised, float unsupervised, float gradientNorm, boolean skipped) {}

  public TrainingStep(AllSparkNet net, Optimizer optimizer, Method method, NDManager base) {
    this(net, optimizer, method, base, 0f);
  }

  /**
   * @param maxGradientNorm global gradient norm the update is clipped to (0 = no clipping, the
   *     reference's behaviour)
   */
  public TrainingStep(
      AllSparkNet net, Optimizer optimizer, Method method, NDManager base, float maxGradientNorm) {
    this.net = net;
    this.optimizer = optimizer;
    this.method = method;
    this.base = base;
    this.maxGradientNorm = maxGradientNorm;
    this.statistics = new RunningStatistics(net, base);
  }

  /**
   * Pseudo-labels from a mean teacher instead of the network itself (not in the reference); the
   * teacher is moved after every applied update.
   */
  public TrainingStep withTeacher(EmaTeacher teacher) {
    this.teacher = teacher;
    return this;
  }

  /**
   * loss = CE(labeled) + w CE(unlabeled) instead of the reference's average of the two (not in the
   * reference). The average halves the labeled gradient relative to supervised-only training at the
   * same learning rate; with a confidence threshold the unlabeled term is small, so an AllSpark run
   * then learns from its labels at about half the supervised baseline's rate.
   */
  public TrainingStep withSummedLosses(boolean sum) {
    this.sumLosses = sum;
    return this;
  }

  /** How many updates the gradient guard refused so far. */
  public long skippedSteps() {
    return guard.refused();
  }

  /**
   * @param labeled augmented labeled crops (all the same size)
   * @param unlabeled augmented unlabeled crops, as many as labeled (ignored when supervised; empty:
   *     a labeled-only step of a semi-supervised method, e.g. its warm start)
   * @param useMemory read the Semantic Memory (after warm-up)
   */
  public Losses run(List<Sample> labeled, List<Sample> unlabeled, float lr, boolean useMemory) {
    return run(labeled, unlabeled, lr, useMemory, 1f, 0f);
  }

  /** As below, the student seeing the same unlabeled view as the pseudo-labeling pass. */
  public Losses run(
      List<Sample> labeled,
      List<Sample> unlabeled,
      float lr,
      boolean useMemory,
      float unsupervisedWeight,
      float pseudoThreshold) {
    return run(labeled, unlabeled, null, lr, useMemory, unsupervisedWeight, pseudoThreshold);
  }

  /**
   * @param unsupervisedWeight weight of the pseudo-label loss (1 = the reference; a ramp from 0
   *     keeps a network trained from scratch from fitting its own early, meaningless labels)
   * @param pseudoThreshold pseudo-labelled pixels whose max softmax is below this count nothing (0
   *     = every pixel counts, as in the reference); the loss is still divided by all pixels, so an
   *     unsure network gets a small unsupervised loss rather than a confident one
   * @param unlabeledStudent the view of the unlabeled images the trained forward sees (same
   *     geometry as {@code unlabeled}, e.g. photometrically perturbed); null = {@code unlabeled}
   */
  public Losses run(
      List<Sample> labeled,
      List<Sample> unlabeled,
      List<Sample> unlabeledStudent,
      float lr,
      boolean useMemory,
      float unsupervisedWeight,
      float pseudoThreshold) {
    // Autograd is per thread: outside the collectors below it must be off, or the optimizer's
    // in-place update of a parameter is refused. The caller's thread may not be the one that
    // loaded the engine (tests, services), so this is set on every step; it is a cheap call.
    EngineThreads.noGradients();
    try (NDManager step = base.newSubManager()) {
      statistics.save();
      Losses losses =
          backward(
              step,
              labeled,
              unlabeled,
              unlabeledStudent,
              useMemory,
              unsupervisedWeight,
              pseudoThreshold);
      // 4. parameter update; a non-finite loss or gradient, or a gradient far above the recent
      // ones, updates nothing, and a non-finite forward pass's BatchNorm statistics are undone
      float norm = Float.isFinite(losses.total()) ? optimizer.gradientNorm() : Float.NaN;
      boolean skipped = !guard.accept(norm);
      if (skipped) {
        optimizer.zeroGradients();
        if (!Float.isFinite(losses.total())) {
          // only a non-finite forward pass can have spoilt the statistics
          statistics.restore();
        }
      } else {
        optimizer.step(
            lr, maxGradientNorm > 0 && norm > maxGradientNorm ? maxGradientNorm / norm : 1f);
        if (teacher != null) {
          teacher.update();
        }
      }
      return new Losses(losses.total(), losses.supervised(), losses.unsupervised(), norm, skipped);
    }
  }

  /**
   * Steps 1-3 of an iteration on {@code step}'s arrays: pseudo-labels, the training forward and the
   * backward pass. The gradients are left in the parameters and nothing is updated; the training
   * forward moves the BatchNorm statistics and writes the Semantic Memory as it does in {@link
   * #run}. Autograd must be off on the calling thread outside this call.
   */
  Losses backward(
      NDManager step,
      List<Sample> labeled,
      List<Sample> unlabeled,
      List<Sample> unlabeledStudent,
      boolean useMemory,
      float unsupervisedWeight,
      float pseudoThreshold) {
    NDArray xL = images(step, labeled);
    NDArray yL = labels(step, labeled);
    Losses losses;
    if (method == Method.SUPERVISED || unlabeled.isEmpty()) {
      // supervised-only, or a semi-supervised run's labeled warm start
      losses = supervisedBackward(xL, yL);
    } else {
      if (unlabeled.size() != labeled.size()) {
        throw new IllegalArgumentException(
            "AllSpark needs as many unlabeled as labeled images, got "
                + unlabeled.size()
                + " and "
                + labeled.size());
      }
      NDArray xU = images(step, unlabeled);
      NDArray xS = unlabeledStudent == null ? xU : images(step, unlabeledStudent);
      // 1. pseudo-labels from the network (or its mean teacher) in evaluation mode (no gradient
      // is recorded here)
      NDArray scores = (teacher == null ? net : teacher.network()).predict(xU);
      NDArray pseudo = scores.argMax(1).toType(DataType.INT64, false);
      NDArray confident =
          pseudoThreshold > 0f
              ? Scalar.gte(scores.softmax(1).max(new int[] {1}), pseudoThreshold)
              : null;
      losses = backward(xL, yL, xS, scores, pseudo, confident, useMemory, unsupervisedWeight);
    }
    return losses;
  }

  /** Supervised-only: training forward of the labeled images, their cross-entropy, backward. */
  Losses supervisedBackward(NDArray xL, NDArray yL) {
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray loss = CrossEntropy.loss(net.supervisedForward(xL), yL);
      collector.backward(loss);
      float value = loss.getFloat();
      return new Losses(value, value, 0f, 0f, false);
    }
  }

  /**
   * Steps 2-3 with the pseudo-labeling pass's results given: one training forward of labeled then
   * unlabeled images, the two cross-entropies (averaged, or summed), backward.
   *
   * @param scores [B, K, H, W] logits of the pseudo-labeling pass (the grouping's class scores)
   * @param pseudo [B, H, W] int64 pseudo-labels
   * @param confident [B, H, W] pixels that count in the unlabeled loss, or null for all
   */
  Losses backward(
      NDArray xL,
      NDArray yL,
      NDArray xU,
      NDArray scores,
      NDArray pseudo,
      NDArray confident,
      boolean useMemory,
      float unsupervisedWeight) {
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      // 2. one forward of labeled then unlabeled images
      NDArray both = NDArrays.concat(new NDList(xL, xU), 0);
      NDArray logits =
          method == Method.SELF_TRAINING
              ? net.supervisedForward(both)
              : net.trainForward(both, scores, useMemory);
      NDList parts = logits.split(2, 0);
      // 3. the two cross-entropies, averaged
      NDArray lossL = CrossEntropy.loss(parts.get(0), yL);
      NDArray lossU =
          confident == null
              ? CrossEntropy.loss(parts.get(1), pseudo)
              : CrossEntropy.maskedLoss(parts.get(1), pseudo, confident);
      NDArray loss = lossL.add(Scalar.mul(lossU, unsupervisedWeight));
      if (!sumLosses) {
        loss = Scalar.div(loss, 2f);
      }
      collector.backward(loss);
      return new Losses(loss.getFloat(), lossL.getFloat(), lossU.getFloat(), 0f, false);
    }
  }

  static NDArray images(NDManager manager, List<Sample> samples) {
    int w = samples.get(0).image().width();
    int h = samples.get(0).image().height();
    int plane = 3 * w * h;
    float[] all = new float[samples.size() * plane];
    for (int i = 0; i < samples.size(); i++) {
      System.arraycopy(samples.get(i).image().normalizedChw(), 0, all, i * plane, plane);
    }
    return HostArrays.floats(manager, all, new Shape(samples.size(), 3, h, w));
  }

  static NDArray labels(NDManager manager, List<Sample> samples) {
    int w = samples.get(0).image().width();
    int h = samples.get(0).image().height();
    long[] all = new long[samples.size() * w * h];
    for (int i = 0; i < samples.size(); i++) {
      int[] labels = samples.get(i).labels();
      for (int p = 0; p < labels.length; p++) {
        all[i * w * h + p] = labels[p];
      }
    }
    return HostArrays.longs(manager, all, new Shape(samples.size(), h, w));
  }
}
