package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Post-processing of the network's logits into what users see: class ids at the label map's (or
 * frame's) resolution, with confidence and uncertainty. Scores are up-sampled before the argmax, as
 * the CamVid protocol asks.
 */
public final class Segmenter {
  private Segmenter() {}

  /** One image's result. */
  public record Result(
      int width, int height, int[] classes, float meanConfidence, float meanEntropy) {}

  /**
   * Frames per forward pass on a CPU. {@link #segment} runs a batch this many frames at a time: on
   * a CPU a forward of 8 frames at 480x360 costs 1.5-2x more per frame than one of 2 (its
   * activations no longer fit the caches and its largest arrays are fresh pages from the OS each
   * time; the figures are in {@code model/README.md}), so larger passes buy nothing there. A GPU
   * runs the whole batch in one pass.
   */
  public static final int CPU_FORWARD_FRAMES = 2;

  /**
   * Segments images already resized to the network's input and normalized ({@link
   * ImageTensors#normalizedChw}), {@link #CPU_FORWARD_FRAMES} at a time on a CPU, each pass in its
   * own scope of {@code manager}; result {@code i} is at {@code sizes[i]} = {height, width}.
   */
  public static List<Result> segment(
      AllSparkNet net, NDManager manager, float[][] chw, int inputH, int inputW, int[][] sizes) {
    int pass = manager.getDevice().isGpu() ? Math.max(1, chw.length) : CPU_FORWARD_FRAMES;
    List<Result> out = new ArrayList<>(chw.length);
    for (int from = 0; from < chw.length; from += pass) {
      float[][] part = Arrays.copyOfRange(chw, from, Math.min(chw.length, from + pass));
      try (NDManager scope = manager.newSubManager()) {
        NDArray logits = net.predictCoarse(ImageTensors.batch(scope, part, inputH, inputW));
        for (int i = 0; i < part.length; i++) {
          int[] size = sizes[from + i];
          out.add(decode(logits.get(i).expandDims(0), size[0], size[1])[0]);
        }
      }
    }
    return out;
  }

  /**
   * Each image's class ids at (height, width), its mean confidence (max softmax probability) and
   * mean uncertainty (entropy, nats). The confidence and entropy are means over the pixels of
   * {@code logits} as given (for serving: the network's own output, a quarter of its input, 16x
   * cheaper than the same means after up-sampling); the class ids are the argmax of the scores
   * bilinearly up-sampled to (height, width). One image at a time, so the working set stays that of
   * one image whatever the batch.
   *
   * @param logits [B, K, h, w]; intermediate arrays land on its manager (the caller's batch scope)
   */
  public static Result[] decode(NDArray logits, int height, int width) {
    int batch = (int) logits.getShape().get(0);
    int k = (int) logits.getShape().get(1);
    Result[] out = new Result[batch];
    for (int b = 0; b < batch; b++) {
      NDArray one = logits.get(b); // [K, h, w]
      NDArray prob = one.softmax(0);
      float conf = prob.max(new int[] {0}).mean().getFloat();
      float ent =
          prob.mul(Scalar.add(prob, 1e-12f).log()).sum(new int[] {0}).mean().neg().getFloat();
      float[] scores = Bilinear.resize(one, height, width, false).toFloatArray();
      out[b] = new Result(width, height, argmax(scores, k, height * width), conf, ent);
    }
    return out;
  }

  /**
   * Per pixel, the first class of the highest score, of {@code k} planes of {@code plane} scores
   * ([K, H, W] in order). In Java because libtorch's {@code argmax} over the class dimension of
   * this layout takes twice as long (14 against 6.4 ms for 11 x 480 x 360, copy included).
   */
  static int[] argmax(float[] scores, int k, int plane) {
    int[] classes = new int[plane];
    float[] best = Arrays.copyOf(scores, plane);
    for (int c = 1; c < k; c++) {
      int offset = c * plane;
      for (int p = 0; p < plane; p++) {
        float v = scores[offset + p];
        if (v > best[p]) {
          best[p] = v;
          classes[p] = c;
        }
      }
    }
    return classes;
  }
}
