package dev.allspark.trainer.cli;

import dev.allspark.model.ConfusionMatrix;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.trainer.Method;
import dev.allspark.trainer.OfflineTraining;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON summaries of the training commands, printed on standard output (progress goes to
 * standard error), written by {@link dev.allspark.ops.Json}.
 */
final class Json {
  private Json() {}

  static String of(Object value) {
    return dev.allspark.ops.Json.pretty(value);
  }

  static Map<String, Object> iou(ClassSet classes, double[] iou) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int c = 0; c < iou.length; c++) {
      out.put(classes.names().get(c), round(iou[c]));
    }
    return out;
  }

  static double round(double v) {
    return Double.isNaN(v) ? v : Math.round(v * 10000) / 10000.0;
  }

  static String trainingResult(
      Method method,
      String split,
      int iterations,
      int crop,
      int batch,
      ClassSet classes,
      OfflineTraining.Result r) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("method", method.name().toLowerCase().replace('_', '-'));
    out.put("split", split);
    out.put("iterations", iterations);
    out.put("crop", crop);
    out.put("batch", batch + "+" + (method.usesUnlabeled() ? batch : 0));
    out.put("valMiou", round(r.valMiou()));
    out.put("classes", classes.id());
    out.put("valIou", iou(classes, r.valIou()));
    out.put("secondsPerIteration", round(r.secondsPerIteration()));
    out.put("skippedIterations", r.skippedIterations());
    if (!Double.isNaN(r.teacherValMiou())) {
      out.put("teacherValMiou", round(r.teacherValMiou()));
    }
    out.put("history", r.history());
    out.put("recipe", r.recipe());
    if (r.resumedAt() > 0) {
      out.put("resumedAt", r.resumedAt());
    }
    out.put("checkpointSha256", r.checkpointSha256());
    return of(out);
  }

  static String evaluation(String checkpoint, ClassSet classes, ConfusionMatrix m, int frames) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("checkpoint", checkpoint);
    out.put("frames", frames);
    out.put("pixels", m.pixels());
    out.put("mIoU", round(m.meanIou()));
    out.put("pixelAccuracy", round(m.pixelAccuracy()));
    out.put("iou", iou(classes, m.iou()));
    return of(out);
  }
}
