package dev.allspark.trainer;

import dev.allspark.model.AllSparkNet;
import dev.allspark.model.Checkpoint;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@code train} run has done so far (iterations, refused updates, training time, the
 * validation history) and how it travels in the run's checkpoints, so that {@code --resume}
 * continues where a run stopped, with the same recipe or not at all.
 */
final class RunProgress {
  private static final String DONE = "iterationsDone";
  private static final String SKIPPED = "refusedIterations";
  private static final String HISTORY = "history";
  private static final String TRAIN_SECONDS = "trainSeconds";
  private static final String TEACHER = "teacher.";

  int done;
  int resumedAt;
  int skipped;
  long trainNanos;
  long trainNanosAtResume;
  final List<double[]> history = new ArrayList<>();

  long trainNanosThisRun() {
    return trainNanos - trainNanosAtResume;
  }

  /** The run's checkpoint now: weights, optimizer (and teacher) state, recipe and progress. */
  Checkpoint checkpoint(
      OfflineTraining.Settings settings,
      AllSparkNet net,
      Optimizer optimizer,
      EmaTeacher teacher,
      Map<String, String> recipe,
      Map<String, Double> metrics) {
    Map<String, String> info = new LinkedHashMap<>();
    info.put("method", recipe.get("method"));
    info.put("split", settings.split());
    info.put("seed", Long.toString(settings.seed()));
    if (settings.inputScale() != 1.0) {
      info.put(OfflineTraining.INPUT_SCALE, Double.toString(settings.inputScale()));
    }
    recipe.forEach((k, v) -> info.put(OfflineTraining.RECIPE + k, v));
    info.put(DONE, Integer.toString(done));
    info.put(SKIPPED, Integer.toString(skipped));
    info.put(TRAIN_SECONDS, Double.toString(trainNanos / 1e9));
    StringBuilder text = new StringBuilder();
    for (double[] h : history) {
      text.append(text.length() == 0 ? "" : ",").append((int) h[0]).append(':').append(h[1]);
    }
    info.put(HISTORY, text.toString());
    Map<String, Double> allMetrics = new LinkedHashMap<>(metrics);
    allMetrics.put("refusedIterations", (double) skipped);
    Map<String, Checkpoint.Tensor> optimizerState = new LinkedHashMap<>(optimizer.state());
    if (teacher != null) {
      teacher.state().forEach((k, v) -> optimizerState.put(TEACHER + k, v));
    }
    return Checkpoint.of(net, settings.classes(), done, allMetrics, info, optimizerState);
  }

  /** Loads a checkpoint written by a run of the same recipe and returns where it stopped. */
  static RunProgress resume(
      OfflineTraining.Settings settings,
      AllSparkNet net,
      Optimizer optimizer,
      EmaTeacher teacher,
      Map<String, String> recipe,
      PrintStream log)
      throws IOException {
    Checkpoint c = Checkpoint.read(settings.resume());
    Map<String, String> theirs = new LinkedHashMap<>();
    c.info()
        .forEach(
            (k, v) -> {
              if (k.startsWith(OfflineTraining.RECIPE)) {
                theirs.put(k.substring(OfflineTraining.RECIPE.length()), v);
              }
            });
    if (theirs.isEmpty() || !c.info().containsKey(DONE)) {
      throw new IllegalArgumentException(
          "--resume " + settings.resume() + ": not a checkpoint of `train` (it records no recipe)");
    }
    List<String> differences = new ArrayList<>();
    recipe.forEach(
        (k, v) -> {
          if (!v.equals(theirs.get(k))) {
            differences.add(k + " " + theirs.get(k) + " -> " + v);
          }
        });
    if (!differences.isEmpty()) {
      throw new IllegalArgumentException(
          "--resume "
              + settings.resume()
              + ": the recipe differs from the checkpoint's ("
              + String.join(", ", differences)
              + "); resume with the same settings");
    }
    if (!c.config().equals(net.config())) {
      throw new IllegalArgumentException(
          "--resume " + settings.resume() + ": the checkpoint's model is " + c.config());
    }
    c.loadInto(net);
    Map<String, Checkpoint.Tensor> optimizerState = new LinkedHashMap<>();
    Map<String, Checkpoint.Tensor> teacherState = new LinkedHashMap<>();
    c.optimizerState()
        .forEach(
            (k, v) -> {
              if (k.startsWith(TEACHER)) {
                teacherState.put(k.substring(TEACHER.length()), v);
              } else {
                optimizerState.put(k, v);
              }
            });
    optimizer.restore(optimizerState);
    if (teacher != null) {
      teacher.restore(teacherState);
    }
    RunProgress state = new RunProgress();
    state.done = Integer.parseInt(c.info().get(DONE));
    state.resumedAt = state.done;
    state.skipped = Integer.parseInt(c.info().getOrDefault(SKIPPED, "0"));
    state.trainNanos = (long) (Double.parseDouble(c.info().getOrDefault(TRAIN_SECONDS, "0")) * 1e9);
    state.trainNanosAtResume = state.trainNanos;
    String history = c.info().getOrDefault(HISTORY, "");
    for (String h : history.isEmpty() ? new String[0] : history.split(",")) {
      String[] parts = h.split(":");
      state.history.add(new double[] {Double.parseDouble(parts[0]), Double.parseDouble(parts[1])});
    }
    if (state.done >= settings.iterations()) {
      throw new IllegalArgumentException(
          "--resume "
              + settings.resume()
              + ": the run already finished its "
              + state.done
              + " iterations");
    }
    log.printf(
        "resumed %s at iteration %d of %d (%d refused so far)%n",
        settings.resume(), state.done, settings.iterations(), state.skipped);
    return state;
  }
}
