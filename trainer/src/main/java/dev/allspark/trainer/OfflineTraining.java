package dev.allspark.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.Checkpoint;
import dev.allspark.model.ConfusionMatrix;
import dev.allspark.model.ModelConfig;
import dev.allspark.schemas.labels.ClassSet;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Offline training on a CamVid-layout folder (the benchmark protocol): a label budget split,
 * AllSpark or supervised-only, evaluation on {@code val/} every few iterations and at the end, a
 * checkpoint at the end.
 *
 * <p>The frames come from {@link TrainingData}, the draws from {@link EpochSampler}, and the run's
 * progress and its resumable checkpoints from {@link RunProgress}. Why this class still has some
 * 380 lines: a third is the settings record, the recipe a checkpoint records (so a result can be
 * reproduced from the checkpoint alone) and the result; the rest is one iteration loop that reads
 * top to bottom as an iteration runs (draws, step, guard, evaluation, checkpoint), which splitting
 * would only scatter.
 */
public final class OfflineTraining {

  /** Settings of one run. */
  public record Settings(
      Path data,
      String split,
      Method method,
      int iterations,
      int crop,
      int batch,
      long seed,
      Path out,
      int evalEvery,
      double lr,
      int lrWarmup,
      int memoryWarmup,
      int unsupervisedRampUp,
      float pseudoThreshold,
      float emaTeacherDecay,
      boolean unlabeledPhotometric,
      boolean sumLosses,
      double inputScale,
      Optimizer.Kind optimizer,
      float weightDecay,
      int unlabeledFrom,
      int checkpointEvery,
      Path resume,
      ModelConfig model,
      Path pretrained,
      ClassSet classes) {
    public Settings {
      if (unlabeledFrom < 0 || unlabeledFrom >= iterations) {
        throw new IllegalArgumentException(
            "--unlabeled-from must be in [0, --iterations), got " + unlabeledFrom);
      }
      if (!(weightDecay >= 0 && weightDecay < 1)) {
        throw new IllegalArgumentException("--weight-decay must be in [0, 1), got " + weightDecay);
      }
      if (checkpointEvery < 0) {
        throw new IllegalArgumentException(
            "--checkpoint-every must be >= 0, got " + checkpointEvery);
      }
      if (checkpointEvery > 0 && out == null) {
        throw new IllegalArgumentException("--checkpoint-every needs --out FILE to write to");
      }
      if (!(inputScale > 0 && inputScale <= 1)) {
        throw new IllegalArgumentException("--input-scale must be in (0, 1], got " + inputScale);
      }
      if (!(emaTeacherDecay == 0f || (emaTeacherDecay > 0f && emaTeacherDecay < 1f))) {
        throw new IllegalArgumentException(
            "--ema-teacher must be 0 (off) or in (0, 1), got " + emaTeacherDecay);
      }
      if (iterations < 1) {
        throw new IllegalArgumentException("--iterations must be >= 1, got " + iterations);
      }
      if (batch < 1) {
        throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
      }
      if (lrWarmup >= iterations) {
        throw new IllegalArgumentException(
            "--lr-warmup (" + lrWarmup + ") must be below --iterations (" + iterations + ")");
      }
      if (!(pseudoThreshold >= 0f && pseudoThreshold < 1f)) {
        throw new IllegalArgumentException(
            "--pseudo-threshold must be in [0, 1), got " + pseudoThreshold);
      }
      if (model.trainingCrop() != crop) {
        throw new IllegalArgumentException(
            "model training crop " + model.trainingCrop() + " != --crop " + crop);
      }
    }
  }

  /**
   * The recipe of a run: every setting that shapes the result, as text, recorded in the checkpoint
   * ({@code recipe.*} info keys) and the JSON so that a result can be reproduced from the
   * checkpoint alone, and compared when a run is resumed. The model's shape is the checkpoint's
   * config.
   */
  static Map<String, String> recipe(Settings s) {
    Map<String, String> r = new LinkedHashMap<>();
    r.put("method", s.method().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
    r.put("split", s.split());
    r.put("iterations", Integer.toString(s.iterations()));
    r.put("crop", Integer.toString(s.crop()));
    r.put("batch", Integer.toString(s.batch()));
    r.put("seed", Long.toString(s.seed()));
    r.put("optimizer", s.optimizer().label());
    r.put("lr", Double.toString(s.lr()));
    r.put("weightDecay", Float.toString(s.weightDecay()));
    r.put("lrWarmup", Integer.toString(s.lrWarmup()));
    r.put("lrSchedule", "poly 0.9 after linear warm-up");
    r.put("memoryWarmup", Integer.toString(s.memoryWarmup()));
    r.put("unlabeledFrom", Integer.toString(s.unlabeledFrom()));
    r.put("unsupervisedRampUp", Integer.toString(s.unsupervisedRampUp()));
    r.put("pseudoThreshold", Float.toString(s.pseudoThreshold()));
    r.put("emaTeacher", Float.toString(s.emaTeacherDecay()));
    r.put("unlabeledPhotometric", Boolean.toString(s.unlabeledPhotometric()));
    r.put("sumLosses", Boolean.toString(s.sumLosses()));
    r.put("inputScale", Double.toString(s.inputScale()));
    if (s.classes() != null && s.classes() != ClassSet.CAMVID) {
      r.put("classes", s.classes().id());
    }
    if (s.pretrained() != null) {
      r.put("pretrained", s.pretrained().getFileName().toString());
    }
    return r;
  }

  /** Info key prefix of the recipe in a checkpoint. */
  public static final String RECIPE = "recipe.";

  /** The outcome. */
  public record Result(
      double valMiou,
      double[] valIou,
      double secondsPerIteration,
      int skippedIterations,
      List<double[]> history,
      String checkpointSha256,
      double teacherValMiou,
      Map<String, String> recipe,
      int resumedAt) {}

  private final Settings settings;
  private final PrintStream log;

  public OfflineTraining(Settings settings, PrintStream log) {
    this.settings = settings;
    this.log = log;
  }

  public Result run() throws IOException {
    ClassSet classes = settings.classes();
    boolean semi = settings.method().usesUnlabeled();
    TrainingData data = TrainingData.load(settings, log);
    List<Sample> labeled = data.labeled();
    List<Sample> unlabeled = data.unlabeled();
    List<Sample> val = data.val();
    log.printf(
        "training %s on split %s: %d labeled, %d unlabeled, %d val frames; %d iterations, crop %d, batch %d+%d, lr %.4f%n",
        settings.method(),
        settings.split(),
        labeled.size(),
        unlabeled.size(),
        val.size(),
        settings.iterations(),
        settings.crop(),
        settings.batch(),
        semi ? settings.batch() : 0,
        settings.lr());

    Engine.getInstance().setRandomSeed((int) settings.seed());
    Augmentation augmentation = new Augmentation(settings.crop(), classes.voidLabel());
    LearningRate schedule =
        new LearningRate(settings.lr(), settings.lrWarmup(), settings.iterations(), 0.9);
    Map<String, String> recipe = recipe(settings);
    log.printf("recipe: %s%n", recipe);
    Device device = Engine.getInstance().defaultDevice();
    try (NDManager manager = NDManager.newBaseManager(device)) {
      AllSparkNet net = AllSparkNet.create(settings.model(), manager, settings.seed());
      if (settings.pretrained() != null && settings.resume() == null) {
        // before the teacher copies the student: both start from the pretrained encoder
        int n = Pretrained.load(net, settings.pretrained(), "--pretrained");
        log.printf("encoder from %s: %d pretrained tensors%n", settings.pretrained(), n);
      }
      try (Optimizer optimizer =
          settings.optimizer().create(net.namedParameters(), settings.weightDecay(), manager)) {
        TrainingStep step = new TrainingStep(net, optimizer, settings.method(), manager);
        EmaTeacher teacher =
            settings.emaTeacherDecay() > 0f && semi
                ? new EmaTeacher(net, settings.emaTeacherDecay(), manager)
                : null;
        if (teacher != null) {
          step.withTeacher(teacher);
          log.printf(
              "pseudo-labels from a mean teacher, EMA decay %.4f%n", settings.emaTeacherDecay());
        }
        if (settings.sumLosses() && semi) {
          step.withSummedLosses(true);
          log.println("loss = CE(labeled) + CE(unlabeled), not their average");
        }
        if (settings.unlabeledPhotometric() && semi) {
          log.println(
              "the trained forward sees photometrically perturbed unlabeled images,"
                  + " the pseudo-labeling pass the unperturbed ones");
        }
        if (semi && settings.unlabeledFrom() > 0) {
          log.printf(
              "iterations 1-%d train on the labeled frames alone; the unlabeled branch starts at"
                  + " %d, the memory is read from %d%n",
              settings.unlabeledFrom(), settings.unlabeledFrom() + 1, memoryReadFrom() + 1);
        }
        RunProgress state = new RunProgress();
        if (settings.resume() != null) {
          state = RunProgress.resume(settings, net, optimizer, teacher, recipe, log);
        }
        // Every random draw of an iteration (frames, crops, flips, colour, dropout) is seeded by
        // the run's seed and the iteration's index alone, so a resumed run makes exactly the
        // draws an uninterrupted one would have made.
        EpochSampler labeledSampler = new EpochSampler(labeled.size(), settings.seed());
        EpochSampler unlabeledSampler =
            new EpochSampler(Math.max(unlabeled.size(), 1), ~settings.seed());
        ProgressLine progress = new ProgressLine(log, "train", settings.iterations());
        double lossAverage = Double.NaN;
        for (int it = state.done; it < settings.iterations(); it++) {
          boolean withUnlabeled = semi && it >= settings.unlabeledFrom();
          Random rng = new Random(EpochSampler.iterationSeed(settings.seed(), it));
          Engine.getInstance()
              .setRandomSeed((int) EpochSampler.iterationSeed(~settings.seed(), it));
          List<Sample> l = new ArrayList<>(settings.batch());
          List<Sample> u = new ArrayList<>(settings.batch());
          List<Sample> strong =
              settings.unlabeledPhotometric() && withUnlabeled
                  ? new ArrayList<>(settings.batch())
                  : null;
          for (int b = 0; b < settings.batch(); b++) {
            long draw = (long) it * settings.batch() + b;
            Sample s = augmentation.scaleCropFlip(labeled.get(labeledSampler.at(draw)), rng);
            l.add(new Sample(s.id(), augmentation.photometric(s.image(), rng), s.labels()));
            if (withUnlabeled) {
              Sample w = augmentation.scaleCropFlip(unlabeled.get(unlabeledSampler.at(draw)), rng);
              u.add(w);
              if (strong != null) {
                strong.add(new Sample(w.id(), augmentation.photometric(w.image(), rng), null));
              }
            }
          }
          long t0 = System.nanoTime();
          TrainingStep.Losses losses =
              step.run(
                  l,
                  u,
                  strong,
                  schedule.at(it),
                  it >= memoryReadFrom(),
                  rampUp(it - settings.unlabeledFrom(), settings.unsupervisedRampUp()),
                  settings.pseudoThreshold());
          state.trainNanos += System.nanoTime() - t0;
          if (losses.skipped()) {
            state.skipped++;
            log.printf(
                "iteration %d: non-finite loss or gradient (%s), update refused (%d so far)%n",
                it + 1, losses, state.skipped);
          } else {
            lossAverage =
                Double.isNaN(lossAverage)
                    ? losses.total()
                    : 0.95 * lossAverage + 0.05 * losses.total();
          }
          progress.update(
              it + 1,
              String.format(
                  "loss %.3f (sup %.3f, unsup %.3f) |g| %.2f lr %.6f",
                  lossAverage,
                  losses.supervised(),
                  losses.unsupervised(),
                  losses.gradientNorm(),
                  schedule.at(it)));
          state.done = it + 1;
          boolean last = state.done == settings.iterations();
          if (settings.evalEvery() > 0 && state.done % settings.evalEvery() == 0 && !last) {
            ConfusionMatrix m = evaluate(net, manager, val);
            state.history.add(new double[] {state.done, m.meanIou()});
            log.printf("iteration %d: val mIoU %.2f%%%n", state.done, 100 * m.meanIou());
            if (teacher != null) {
              log.printf(
                  "iteration %d: mean teacher's val mIoU %.2f%%%n",
                  state.done, 100 * evaluate(teacher.network(), manager, val).meanIou());
            }
          }
          if (settings.checkpointEvery() > 0
              && state.done % settings.checkpointEvery() == 0
              && !last) {
            String sha =
                state
                    .checkpoint(settings, net, optimizer, teacher, recipe, Map.of())
                    .write(settings.out());
            log.printf(
                "iteration %d: resumable checkpoint written to %s (sha256 %s)%n",
                state.done, settings.out(), sha);
          }
        }
        ConfusionMatrix m = evaluate(net, manager, val);
        state.history.add(new double[] {settings.iterations(), m.meanIou()});
        double teacherMiou = Double.NaN;
        if (teacher != null) {
          teacherMiou = evaluate(teacher.network(), manager, val).meanIou();
          log.printf(
              "val mIoU: student %.2f%%, mean teacher %.2f%% (the student is the result)%n",
              100 * m.meanIou(), 100 * teacherMiou);
        }
        long trained = settings.iterations() - state.resumedAt;
        double secondsPerIteration = trained > 0 ? state.trainNanosThisRun() / 1e9 / trained : 0;
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("val.mIoU", m.meanIou());
        metrics.put("secondsPerIteration", secondsPerIteration);
        if (teacher != null) {
          metrics.put("teacher.val.mIoU", teacherMiou);
        }
        double[] iou = m.iou();
        for (int c = 0; c < iou.length; c++) {
          metrics.put("val.IoU." + classes.names().get(c), iou[c]);
        }
        String sha = null;
        if (settings.out() != null) {
          sha =
              state
                  .checkpoint(settings, net, optimizer, teacher, recipe, metrics)
                  .write(settings.out());
          log.printf("checkpoint written to %s (sha256 %s)%n", settings.out(), sha);
        }
        return new Result(
            m.meanIou(),
            iou,
            secondsPerIteration,
            state.skipped,
            state.history,
            sha,
            teacherMiou,
            recipe,
            state.resumedAt);
      }
    }
  }

  /** The iteration from which the labeled branch reads the Semantic Memory. */
  private int memoryReadFrom() {
    return settings.unlabeledFrom() + settings.memoryWarmup();
  }

  /** Checkpoint info key of the training scale ({@link Checkpoint#INPUT_SCALE}). */
  public static final String INPUT_SCALE = Checkpoint.INPUT_SCALE;

  /** Laine and Aila's sigmoid-shaped ramp exp(-5 (1 - t)^2), t = it / length; 1 without ramp. */
  static float rampUp(int iteration, int length) {
    if (length <= 0 || iteration >= length) {
      return 1f;
    }
    double t = iteration / (double) length;
    return (float) Math.exp(-5 * (1 - t) * (1 - t));
  }

  private ConfusionMatrix evaluate(AllSparkNet net, NDManager manager, List<Sample> val) {
    ProgressLine progress = new ProgressLine(log, "eval", val.size());
    return Evaluation.run(
        net, manager, val, settings.inputScale(), done -> progress.update(done, ""));
  }
}
