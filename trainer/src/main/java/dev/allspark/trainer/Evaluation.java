package dev.allspark.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.ConfusionMatrix;
import dev.allspark.model.EngineThreads;
import dev.allspark.model.HostArrays;
import dev.allspark.model.Segmenter;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * mIoU of a network over a whole split, by the CamVid protocol: every frame at its full resolution,
 * scores up-sampled to the label map before the argmax, one confusion matrix for all frames, void
 * ignored. The network's own output (a quarter of what it sees) is up-sampled once, straight to the
 * label map, as the inference service does ({@link Segmenter#decode}).
 */
public final class Evaluation {
  private Evaluation() {}

  public static ConfusionMatrix run(
      AllSparkNet net, NDManager base, List<Sample> frames, IntConsumer progress) {
    return run(net, base, frames, 1.0, progress);
  }

  /**
   * @param inputScale the network sees each frame resized by this factor (the resolution it was
   *     trained at); its scores are up-sampled to the full-resolution label map all the same
   */
  public static ConfusionMatrix run(
      AllSparkNet net,
      NDManager base,
      List<Sample> frames,
      double inputScale,
      IntConsumer progress) {
    EngineThreads.noGradients(); // evaluation records no graph, whichever thread runs it
    ConfusionMatrix matrix = new ConfusionMatrix(net.config().numClasses());
    int done = 0;
    for (Sample frame : frames) {
      if (!frame.labeled()) {
        throw new IllegalArgumentException(frame.id() + " has no label map to evaluate against");
      }
      try (NDManager scope = base.newSubManager()) {
        int w = frame.image().width();
        int h = frame.image().height();
        RgbImage image = frame.image();
        if (inputScale != 1.0) {
          image = image.resized(scaled(w, inputScale), scaled(h, inputScale));
        }
        NDArray input =
            HostArrays.floats(
                scope, image.normalizedChw(), new Shape(1, 3, image.height(), image.width()));
        Segmenter.Result result = Segmenter.decode(net.predictCoarse(input), h, w)[0];
        matrix.add(result.classes(), frame.labels());
      }
      progress.accept(++done);
    }
    return matrix;
  }

  /** A side length times the input scale, at least 32 pixels (one token of the last stage). */
  static int scaled(int side, double scale) {
    return Math.max(32, (int) Math.round(side * scale));
  }
}
