package dev.allspark.model;

/**
 * Per-pixel confusion matrix over a whole split; mIoU and per-class IoU from it. Pixels whose label
 * is void (or outside the classes) are ignored, as in the CamVid protocol: one matrix for all
 * evaluated frames, at label-map resolution.
 */
public final class ConfusionMatrix {
  private final int classes;

  /** [label][prediction]. */
  private final long[] counts;

  public ConfusionMatrix(int classes) {
    this.classes = classes;
    this.counts = new long[classes * classes];
  }

  public int classes() {
    return classes;
  }

  /** Adds one frame: predictions and labels of equal length. */
  public void add(int[] predicted, int[] labels) {
    if (predicted.length != labels.length) {
      throw new IllegalArgumentException(
          "prediction has " + predicted.length + " pixels, label map " + labels.length);
    }
    for (int i = 0; i < labels.length; i++) {
      int label = labels[i];
      if (label < 0 || label >= classes) {
        continue;
      }
      int p = predicted[i];
      if (p < 0 || p >= classes) {
        throw new IllegalArgumentException("predicted class " + p + " outside 0.." + (classes - 1));
      }
      counts[label * classes + p]++;
    }
  }

  public void add(ConfusionMatrix other) {
    if (other.classes != classes) {
      throw new IllegalArgumentException("confusion matrices of different sizes");
    }
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
  }

  /** IoU per class; NaN for a class that neither occurs nor is predicted. */
  public double[] iou() {
    double[] out = new double[classes];
    for (int c = 0; c < classes; c++) {
      long tp = counts[c * classes + c];
      long fn = 0;
      long fp = 0;
      for (int o = 0; o < classes; o++) {
        if (o != c) {
          fn += counts[c * classes + o];
          fp += counts[o * classes + c];
        }
      }
      long union = tp + fn + fp;
      out[c] = union == 0 ? Double.NaN : tp / (double) union;
    }
    return out;
  }

  /** Mean IoU over the classes that occur or are predicted. */
  public double meanIou() {
    double sum = 0;
    int n = 0;
    for (double v : iou()) {
      if (!Double.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  /** Fraction of counted pixels predicted right. */
  public double pixelAccuracy() {
    long right = 0;
    long all = 0;
    for (int c = 0; c < classes; c++) {
      for (int o = 0; o < classes; o++) {
        all += counts[c * classes + o];
      }
      right += counts[c * classes + c];
    }
    return all == 0 ? Double.NaN : right / (double) all;
  }

  public long pixels() {
    long all = 0;
    for (long v : counts) {
      all += v;
    }
    return all;
  }
}
