package dev.allspark.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The upstream reproduction of DJL's {@code Number}-operand hazard, independent of this project's
 * code (see {@code model/README.md}): {@code y = x.mul(0.125f)}, {@code backward(sum(y))}, many
 * times while another thread allocates direct buffers and runs the garbage collector. Every
 * gradient should be 0.125; prints how many were not, then the same loop with the constant as an
 * engine-owned tensor ({@code manager.full}).
 *
 * <p>Not a test (a test of a race in a library would be flaky by design): a program. Run it with
 * {@code bin/reproduce-scalar-hazard} or {@code java -cp ...
 * dev.allspark.model.ScalarTemporaryReproduction [N]}.
 */
public final class ScalarTemporaryReproduction {
  private ScalarTemporaryReproduction() {}

  public static void main(String[] args) throws InterruptedException {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
    Engine engine = Engine.getInstance();
    System.out.println(
        "DJL "
            + Engine.getDjlVersion()
            + ", "
            + engine.getEngineName()
            + " "
            + engine.getVersion()
            + ", "
            + n
            + " steps");
    AtomicBoolean stop = new AtomicBoolean();
    Thread churn = new Thread(() -> churn(stop), "gc-churn");
    churn.setDaemon(true);
    churn.start();
    try (NDManager manager = NDManager.newBaseManager()) {
      System.out.println(
          "x.mul(0.125f):                  "
              + wrong(manager, n, false)
              + " of "
              + n
              + " gradients wrong");
      System.out.println(
          "x.mul(manager.full(0.125f)):    "
              + wrong(manager, n, true)
              + " of "
              + n
              + " gradients wrong");
    } finally {
      stop.set(true);
      churn.join();
    }
  }

  static int wrong(NDManager manager, int n, boolean owned) {
    int wrong = 0;
    float smallest = Float.MAX_VALUE;
    float largest = 0;
    for (int i = 0; i < n; i++) {
      try (NDManager step = manager.newSubManager()) {
        NDArray x = step.ones(new Shape(64, 64));
        x.setRequiresGradient(true);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          NDArray y;
          if (owned) {
            try (NDArray c = step.full(new Shape(), 0.125f)) {
              y = x.mul(c);
            }
          } else {
            y = x.mul(0.125f);
          }
          collector.backward(y.sum());
        }
        float[] g = x.getGradient().toFloatArray();
        boolean bad = false;
        for (float v : g) {
          if (v != 0.125f) {
            bad = true;
            float a = Math.abs(v);
            if (a > 0) {
              smallest = Math.min(smallest, a);
            }
            largest = Math.max(largest, a);
          }
        }
        if (bad) {
          wrong++;
        }
      }
    }
    if (wrong > 0) {
      System.out.printf("  wrong values from %.3g to %.3g (|value|)%n", smallest, largest);
    }
    return wrong;
  }

  private static void churn(AtomicBoolean stop) {
    Random rng = new Random(1);
    List<ByteBuffer> keep = new ArrayList<>();
    long rounds = 0;
    while (!stop.get()) {
      ByteBuffer b = ByteBuffer.allocateDirect(4 + rng.nextInt(60));
      while (b.hasRemaining()) {
        b.put((byte) rng.nextInt());
      }
      keep.add(b);
      if (keep.size() > 64) {
        keep.clear();
      }
      if (++rounds % 500 == 0) {
        System.gc();
      }
    }
  }
}
