package dev.allspark.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.EngineThreads;
import dev.allspark.model.ModelConfig;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The hazard of DJL's {@code Number}-argument ops, reproduced with the real network: a tensor that
 * autograd saved for the backward pass lived in a Java direct buffer that the garbage collector
 * could free and hand out again before the backward pass read it. The same AllSpark training step
 * (pseudo-labels, training forward with dropout and drop path, both losses, backward) on a fixed
 * batch, from the same state and random seed, must give bit-identical gradients every time while
 * another thread allocates direct buffers and runs the collector.
 */
class GradientIntegrityTest {
  static final int REPEATS = 200;
  static final int CROP =
      65; // every attention has at least 2x2 keys, so its softmax has a gradient

  @Test
  void theSameStepGivesBitIdenticalGradientsUnderGarbageCollection() throws Exception {
    EngineThreads.noGradients();
    AtomicBoolean stop = new AtomicBoolean();
    Thread churn = new Thread(() -> churn(stop), "gc-churn");
    churn.setDaemon(true);
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(11, CROP), m, 1);
      try (SgdMomentum sgd = new SgdMomentum(net.namedParameters(), 0.9f, 1e-4f, m)) {
        TrainingStep step = new TrainingStep(net, sgd, Method.ALLSPARK, m);
        RunningStatistics statistics = new RunningStatistics(net, m);
        statistics.save();
        float[] queue = net.memory().queue();
        int[] pointers = net.memory().pointers();
        Random rng = new Random(5);
        List<Sample> labeled = TrainingStepTest.samples(2, CROP, true, rng);
        List<Sample> unlabeled = TrainingStepTest.samples(2, CROP, false, rng);
        List<Parameter> params = trainable(net);

        churn.start();
        float[][] reference = new float[2][]; // without and with the memory read
        int differing = 0;
        String example = null;
        for (int i = 0; i < REPEATS; i++) {
          // same state, same dropout masks: only a corrupted backward pass can differ
          int kind = i % 2;
          statistics.restore();
          net.memory().restore(queue, pointers);
          Engine.getInstance().setRandomSeed(11);
          try (NDManager scope = m.newSubManager()) {
            step.backward(scope, labeled, unlabeled, null, kind == 1, 1f, 0f);
          }
          float[] gradients = gradients(params);
          sgd.zeroGradients();
          if (reference[kind] == null) {
            reference[kind] = gradients;
            continue;
          }
          int at = firstDifference(reference[kind], gradients);
          if (at >= 0) {
            differing++;
            if (example == null) {
              example =
                  "repeat "
                      + i
                      + ", element "
                      + at
                      + ": "
                      + reference[kind][at]
                      + " vs "
                      + gradients[at];
            }
          }
        }
        assertThat(differing).as("repeats with other gradients (first: %s)", example).isZero();
      }
    } finally {
      stop.set(true);
      churn.join(10_000);
    }
  }

  private static int firstDifference(float[] a, float[] b) {
    for (int i = 0; i < a.length; i++) {
      if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
        return i;
      }
    }
    return -1;
  }

  private static List<Parameter> trainable(AllSparkNet net) {
    List<Parameter> out = new ArrayList<>();
    for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
      if (e.getValue().requiresGradient()) {
        out.add(e.getValue());
      }
    }
    return out;
  }

  private static float[] gradients(List<Parameter> params) {
    List<float[]> parts = new ArrayList<>();
    int total = 0;
    for (Parameter p : params) {
      NDArray grad = p.getArray().getGradient();
      float[] values = grad.toFloatArray();
      grad.close();
      parts.add(values);
      total += values.length;
    }
    float[] all = new float[total];
    int at = 0;
    for (float[] part : parts) {
      System.arraycopy(part, 0, all, at, part.length);
      at += part.length;
    }
    return all;
  }

  /**
   * Small direct buffers with non-zero contents, and the collector that frees the old ones, a
   * hundred times a second: often enough that a freed buffer is handed out again within a step,
   * rarely enough to leave the step most of the CPU.
   */
  private static void churn(AtomicBoolean stop) {
    Random rng = new Random(1);
    while (!stop.get()) {
      List<ByteBuffer> keep = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        ByteBuffer b = ByteBuffer.allocateDirect(4 + rng.nextInt(60));
        while (b.hasRemaining()) {
          b.put((byte) rng.nextInt());
        }
        keep.add(b);
      }
      keep.clear();
      System.gc();
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}
