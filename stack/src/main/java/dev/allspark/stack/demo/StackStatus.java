package dev.allspark.stack.demo;

import dev.allspark.inference.InferenceService;
import dev.allspark.trainer.online.OnlineTrainer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A snapshot of the whole loop. */
public record StackStatus(
    long framesIn,
    long labelsRequested,
    long labelsSent,
    OnlineTrainer.TrainingProgress trainer,
    String trainerStatus,
    List<OnlineTrainer.Validation> validations,
    InferenceService.ServingProgress inference,
    String inferenceStatus,
    double inferenceFramesPerSecond) {

  long inferenceFrames() {
    return inference.frames();
  }

  /** One terminal line. */
  public String line() {
    OnlineTrainer.TrainingProgress t = trainer;
    return String.format(
        Locale.ROOT,
        "frames in %d | labels %d requested, %d sent | trainer step %d loss %.3f/%.3f val mIoU %s"
            + " published v%s | serving v%s at %.1f frames/s, lag %d",
        framesIn,
        labelsRequested,
        labelsSent,
        t.step(),
        t.supervisedLoss(),
        t.unsupervisedLoss(),
        Double.isFinite(t.validationMiou())
            ? String.format(Locale.ROOT, "%.1f%%", 100 * t.validationMiou())
            : "-",
        t.publishedVersion() < 0 ? "-" : Long.toString(t.publishedVersion()),
        inference.modelVersion() < 0 ? "-" : Long.toString(inference.modelVersion()),
        inferenceFramesPerSecond,
        inference.consumerLag());
  }

  /** The values the dashboard shows, as a JSON object. */
  Map<String, Object> values() {
    OnlineTrainer.TrainingProgress t = trainer;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("framesIn", framesIn);
    m.put("labelsRequested", labelsRequested);
    m.put("labelsSent", labelsSent);
    m.put("trainerStep", t.step());
    m.put("supervisedLoss", rounded(t.supervisedLoss()));
    m.put("unsupervisedLoss", rounded(t.unsupervisedLoss()));
    m.put("validationMiou", rounded(t.validationMiou()));
    m.put("publishedVersion", t.publishedVersion());
    m.put("trainLabels", t.trainLabels());
    m.put("heldOutLabels", t.heldOutLabels());
    m.put("trainerStatus", trainerStatus);
    m.put("servingVersion", inference.modelVersion());
    m.put("inferenceFrames", inference.frames());
    m.put("inferenceFramesPerSecond", rounded(inferenceFramesPerSecond));
    m.put("swaps", inference.swaps());
    m.put("consumerLag", inference.consumerLag());
    m.put("inferenceStatus", inferenceStatus);
    return m;
  }

  /** Four decimals; not finite stays as it is (written as null). */
  private static double rounded(double v) {
    return Double.isFinite(v) ? Math.round(v * 10000) / 10000.0 : v;
  }
}
