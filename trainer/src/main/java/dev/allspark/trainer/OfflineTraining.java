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
      ModelConfig model) {
    public Settings {
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

  /** The outcome. */
  public record Result(
      double valMiou,
      double[] valIou,
      double secondsPerIteration,
      int skippedIterations,
      List<double[]> history,
      String checkpointSha256,
      double teacherValMiou) {}

  private final Settings settings;
  private final PrintStream log;

  public OfflineTraining(Settings settings, PrintStream log) {
    this.settings = settings;
    this.log = log;
  }

  public Result run() throws IOException {
    CamVidFolder folder = new CamVidFolder(settings.data());
    ClassSet classes = ClassSet.CAMVID;
    List<Sample> labeled =
        loadWithProgress(
            folder, "train", "trainannot", folder.labeledNames(settings.split()), "labeled");
    boolean semi = settings.method().usesUnlabeled();
    List<Sample> unlabeled =
        semi
            ? loadWithProgress(
                folder, "train", null, folder.unlabeledNames(settings.split()), "unlabeled")
            : List.of();
    List<Sample> val = loadWithProgress(folder, "val", "valannot", folder.valNames(), "val");
    if (settings.inputScale() != 1.0) {
      labeled = labeled.stream().map(s -> rescaled(s, settings.inputScale())).toList();
      unlabeled = unlabeled.stream().map(s -> rescaled(s, settings.inputScale())).toList();
      log.printf(
          "training frames resized by %.3f (to %dx%d); val scored at full resolution%n",
          settings.inputScale(), labeled.get(0).image().width(), labeled.get(0).image().height());
    }
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
    Random rng = new Random(settings.seed());
    Augmentation augmentation = new Augmentation(settings.crop(), classes.voidLabel());
    LearningRate schedule =
        new LearningRate(settings.lr(), settings.lrWarmup(), settings.iterations(), 0.9);
    List<double[]> history = new ArrayList<>();
    Device device = Engine.getInstance().defaultDevice();
    try (NDManager manager = NDManager.newBaseManager(device)) {
      AllSparkNet net = AllSparkNet.create(settings.model(), manager, settings.seed());
      try (SgdMomentum optimizer = new SgdMomentum(net.namedParameters(), 0.9f, 1e-4f, manager)) {
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
        Sampler labeledSampler = new Sampler(labeled.size(), rng);
        Sampler unlabeledSampler = new Sampler(Math.max(unlabeled.size(), 1), rng);
        Progress progress = new Progress(log, "train", settings.iterations());
        double lossAverage = Double.NaN;
        int skipped = 0;
        long trainNanos = 0;
        for (int it = 0; it < settings.iterations(); it++) {
          List<Sample> l = new ArrayList<>(settings.batch());
          List<Sample> u = new ArrayList<>(settings.batch());
          List<Sample> strong =
              settings.unlabeledPhotometric() ? new ArrayList<>(settings.batch()) : null;
          for (int b = 0; b < settings.batch(); b++) {
            Sample s = augmentation.scaleCropFlip(labeled.get(labeledSampler.next()), rng);
            l.add(new Sample(s.id(), augmentation.photometric(s.image(), rng), s.labels()));
            if (semi) {
              Sample w = augmentation.scaleCropFlip(unlabeled.get(unlabeledSampler.next()), rng);
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
                  it >= settings.memoryWarmup(),
                  rampUp(it, settings.unsupervisedRampUp()),
                  settings.pseudoThreshold());
          trainNanos += System.nanoTime() - t0;
          if (losses.skipped()) {
            skipped++;
            log.printf(
                "iteration %d: non-finite loss or gradient (%s), update skipped (%d so far)%n",
                it + 1, losses, skipped);
          } else {
            lossAverage =
                Double.isNaN(lossAverage)
                    ? losses.total()
                    : 0.95 * lossAverage + 0.05 * losses.total();
          }
          progress.update(
              it + 1,
              String.format(
                  "loss %.3f (sup %.3f, unsup %.3f) |g| %.2f lr %.4f",
                  lossAverage,
                  losses.supervised(),
                  losses.unsupervised(),
                  losses.gradientNorm(),
                  schedule.at(it)));
          boolean last = it + 1 == settings.iterations();
          if (settings.evalEvery() > 0 && (it + 1) % settings.evalEvery() == 0 && !last) {
            ConfusionMatrix m = evaluate(net, manager, val);
            history.add(new double[] {it + 1, m.meanIou()});
            log.printf("iteration %d: val mIoU %.2f%%%n", it + 1, 100 * m.meanIou());
            if (teacher != null) {
              log.printf(
                  "iteration %d: mean teacher's val mIoU %.2f%%%n",
                  it + 1, 100 * evaluate(teacher.network(), manager, val).meanIou());
            }
          }
        }
        ConfusionMatrix m = evaluate(net, manager, val);
        history.add(new double[] {settings.iterations(), m.meanIou()});
        double teacherMiou = Double.NaN;
        if (teacher != null) {
          teacherMiou = evaluate(teacher.network(), manager, val).meanIou();
          log.printf(
              "val mIoU: student %.2f%%, mean teacher %.2f%% (the student is the result)%n",
              100 * m.meanIou(), 100 * teacherMiou);
        }
        double secondsPerIteration = trainNanos / 1e9 / settings.iterations();
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("val.mIoU", m.meanIou());
        metrics.put("secondsPerIteration", secondsPerIteration);
        metrics.put("skippedIterations", (double) skipped);
        if (teacher != null) {
          metrics.put("teacher.val.mIoU", teacherMiou);
        }
        double[] iou = m.iou();
        for (int c = 0; c < iou.length; c++) {
          metrics.put("val.IoU." + classes.names().get(c), iou[c]);
        }
        Map<String, String> info = new LinkedHashMap<>();
        info.put("method", settings.method().name().toLowerCase().replace('_', '-'));
        info.put("split", settings.split());
        info.put("seed", Long.toString(settings.seed()));
        if (settings.inputScale() != 1.0) {
          info.put(INPUT_SCALE, Double.toString(settings.inputScale()));
        }
        String sha = null;
        if (settings.out() != null) {
          sha =
              Checkpoint.of(net, classes, settings.iterations(), metrics, info, optimizer.state())
                  .write(settings.out());
          log.printf("checkpoint written to %s (sha256 %s)%n", settings.out(), sha);
        }
        return new Result(
            m.meanIou(), iou, secondsPerIteration, skipped, history, sha, teacherMiou);
      }
    }
  }

  /**
   * Checkpoint info key: the factor the training frames were resized by; {@code evaluate} feeds
   * frames to the network at that scale. Absent = full resolution.
   */
  public static final String INPUT_SCALE = "inputScale";

  /** A frame and its label map resized by {@code scale} (area for the image, nearest labels). */
  static Sample rescaled(Sample s, double scale) {
    int w = Evaluation.scaled(s.image().width(), scale);
    int h = Evaluation.scaled(s.image().height(), scale);
    int[] labels = s.labels();
    int[] out = null;
    if (labels != null) {
      out = new int[w * h];
      int sw = s.image().width();
      int sh = s.image().height();
      for (int y = 0; y < h; y++) {
        int sy = Math.min(sh - 1, (int) ((y + 0.5) * sh / h));
        for (int x = 0; x < w; x++) {
          int sx = Math.min(sw - 1, (int) ((x + 0.5) * sw / w));
          out[y * w + x] = labels[sy * sw + sx];
        }
      }
    }
    return new Sample(s.id(), s.image().resized(w, h), out);
  }

  /** Laine and Aila's sigmoid-shaped ramp exp(-5 (1 - t)^2), t = it / length; 1 without ramp. */
  static float rampUp(int iteration, int length) {
    if (length <= 0 || iteration >= length) {
      return 1f;
    }
    double t = iteration / (double) length;
    return (float) Math.exp(-5 * (1 - t) * (1 - t));
  }

  private ConfusionMatrix evaluate(AllSparkNet net, NDManager manager, List<Sample> val) {
    Progress progress = new Progress(log, "eval", val.size());
    return Evaluation.run(
        net, manager, val, settings.inputScale(), done -> progress.update(done, ""));
  }

  private List<Sample> loadWithProgress(
      CamVidFolder folder, String images, String labels, List<String> names, String what) {
    Progress progress = new Progress(log, "load " + what, names.size());
    return folder.load(images, labels, names, done -> progress.update(done, ""));
  }

  /** Draws indices epoch by epoch: a fresh shuffle each pass, every frame once per pass. */
  static final class Sampler {
    private final int size;
    private final Random rng;
    private int[] order;
    private int next;

    Sampler(int size, Random rng) {
      this.size = size;
      this.rng = rng;
      this.next = size;
    }

    int next() {
      if (next >= size) {
        order = new int[size];
        for (int i = 0; i < size; i++) {
          order[i] = i;
        }
        for (int i = size - 1; i > 0; i--) {
          int j = rng.nextInt(i + 1);
          int t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
        next = 0;
      }
      return order[next++];
    }
  }
}
