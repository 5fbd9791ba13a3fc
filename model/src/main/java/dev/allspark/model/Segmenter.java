package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

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
   * @param logits [B, K, h, w]; intermediate arrays land on its manager (the caller's batch scope)
   * @return per image: class ids [height * width] after bilinear up-sampling to (height, width)
   */
  public static Result[] decode(NDArray logits, int height, int width) {
    int batch = (int) logits.getShape().get(0);
    // 1. scores at the output resolution, then probabilities over classes
    NDArray up = Bilinear.resize(logits, height, width, false);
    NDArray prob = up.softmax(1);
    // 2. per pixel: class, confidence (max probability), entropy (nats)
    int[] classes = up.argMax(1).toType(DataType.INT32, false).toIntArray();
    NDArray confidence = prob.max(new int[] {1}).reshape(batch, -1);
    NDArray entropy =
        prob.mul(Scalar.add(prob, 1e-12f).log()).sum(new int[] {1}).neg().reshape(batch, -1);
    float[] conf = confidence.mean(new int[] {1}).toFloatArray();
    float[] ent = entropy.mean(new int[] {1}).toFloatArray();
    Result[] out = new Result[batch];
    int plane = height * width;
    for (int b = 0; b < batch; b++) {
      int[] mine = new int[plane];
      System.arraycopy(classes, b * plane, mine, 0, plane);
      out[b] = new Result(width, height, mine, conf[b], ent[b]);
    }
    return out;
  }
}
