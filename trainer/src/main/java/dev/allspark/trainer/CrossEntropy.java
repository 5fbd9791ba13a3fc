package dev.allspark.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.allspark.model.Scalar;

/** {@code nn.CrossEntropyLoss(ignore_index=void)}: mean over the pixels that are not void. */
final class CrossEntropy {
  private CrossEntropy() {}

  /**
   * @param logits [B, K, H, W]
   * @param labels [B, H, W] int64 class ids; values outside 0..K-1 are ignored
   */
  static NDArray loss(NDArray logits, NDArray labels) {
    long classes = logits.getShape().get(1);
    // 1. which pixels count, and their labels made safe to index with
    NDArray valid = Scalar.gte(labels, 0).logicalAnd(Scalar.lt(labels, classes));
    NDArray safe = labels.mul(valid.toType(DataType.INT64, false)).expandDims(1);
    // 2. log-probability of the true class per pixel
    NDArray picked = logits.logSoftmax(1).gather(safe, 1).squeeze(1);
    // 3. mean negative log-likelihood over counted pixels
    NDArray weight = valid.toType(DataType.FLOAT32, false);
    return picked.mul(weight).sum().neg().div(Scalar.maximum(weight.sum(), 1f));
  }

  /**
   * Cross-entropy over the pixels where {@code mask} is true, divided by the number of all pixels
   * (FixMatch-style confidence masking).
   *
   * @param mask [B, H, W] boolean
   */
  static NDArray maskedLoss(NDArray logits, NDArray labels, NDArray mask) {
    NDArray picked = logits.logSoftmax(1).gather(labels.expandDims(1), 1).squeeze(1);
    return Scalar.div(picked.mul(mask.toType(DataType.FLOAT32, false)).sum().neg(), labels.size());
  }
}
