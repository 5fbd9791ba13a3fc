package dev.allspark.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import java.util.Arrays;

/**
 * The reproduction of why this project has no bf16 inference (see {@code model/README.md}): DJL's
 * PyTorch engine cannot hold a bfloat16 tensor. Casting three floats to {@code FLOAT16} works;
 * casting them to {@code BFLOAT16} aborts the JVM with {@code terminate called without an active
 * exception}, because the JNI layer maps only DJL's data types 0-8 to libtorch scalar types and its
 * {@code default:} branch is a bare {@code throw;}. Every way into a bf16 tensor (create, zeros,
 * randomNormal, toType) takes the same mapping. Run by {@code Bf16DefectTest} in a child JVM; also
 * a program: {@code java -cp ... dev.allspark.model.Bf16Reproduction}.
 */
public final class Bf16Reproduction {
  private Bf16Reproduction() {}

  public static void main(String[] args) {
    System.out.println(
        "DJL " + Engine.getDjlVersion() + ", PyTorch " + Engine.getInstance().getVersion());
    try (NDManager m = NDManager.newBaseManager()) {
      if (args.length > 0 && args[0].equals("time")) {
        time(m, DataType.FLOAT32);
        time(m, DataType.FLOAT16);
      }
      NDArray x = m.create(new float[] {1.5f, 2.25f, -3f});
      for (DataType t : new DataType[] {DataType.FLOAT16, DataType.BFLOAT16}) {
        System.out.println("casting to " + t + " ...");
        System.out.flush();
        NDArray y = x.toType(t, false);
        System.out.println(
            t + ": " + Arrays.toString(y.toType(DataType.FLOAT32, false).toFloatArray()));
        System.out.flush();
      }
    }
  }

  /** Milliseconds of a 1024x1024 matmul and a 3x3 64->64 convolution at 90x120 in {@code t}. */
  private static void time(NDManager m, DataType t) {
    NDArray a = m.randomNormal(new Shape(1024, 1024)).toType(t, false);
    NDArray img = m.randomNormal(new Shape(1, 64, 90, 120)).toType(t, false);
    NDArray w = m.randomNormal(new Shape(64, 64, 3, 3)).toType(t, false);
    Shape one = new Shape(1, 1);
    a.matMul(a);
    Conv2d.conv2d(img, w, null, one, one, one);
    int n = 3;
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      a.matMul(a);
    }
    long t1 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      Conv2d.conv2d(img, w, null, one, one, one);
    }
    long t2 = System.nanoTime();
    System.out.printf(
        "%s: matmul 1024x1024 %.1f ms, conv 3x3 64->64 at 90x120 %.1f ms%n",
        t, (t1 - t0) / 1e6 / n, (t2 - t1) / 1e6 / n);
  }
}
