package dev.allspark.trainer;

import dev.allspark.schemas.labels.ClassSet;
import java.io.PrintStream;
import java.util.List;

/**
 * The frames of an offline run: the split's labeled and (for a semi-supervised method) unlabeled
 * training frames, resized by {@code --input-scale}, and the val frames at full resolution; label
 * maps of raw ids (Cityscapes' labelIds) as the class set's train ids.
 */
public record TrainingData(List<Sample> labeled, List<Sample> unlabeled, List<Sample> val) {
  static TrainingData load(OfflineTraining.Settings settings, PrintStream log) {
    CamVidFolder folder = new CamVidFolder(settings.data());
    ClassSet classes = settings.classes();
    List<Sample> labeled =
        trainIds(
            load(
                folder,
                "train",
                "trainannot",
                folder.labeledNames(settings.split()),
                "labeled",
                log),
            classes);
    List<Sample> unlabeled =
        settings.method().usesUnlabeled()
            ? load(folder, "train", null, folder.unlabeledNames(settings.split()), "unlabeled", log)
            : List.of();
    List<Sample> val =
        trainIds(load(folder, "val", "valannot", folder.valNames(), "val", log), classes);
    if (settings.inputScale() != 1.0) {
      labeled = labeled.stream().map(s -> rescaled(s, settings.inputScale())).toList();
      unlabeled = unlabeled.stream().map(s -> rescaled(s, settings.inputScale())).toList();
      log.printf(
          "training frames resized by %.3f (to %dx%d); val scored at full resolution%n",
          settings.inputScale(), labeled.get(0).image().width(), labeled.get(0).image().height());
    }
    return new TrainingData(labeled, unlabeled, val);
  }

  private static List<Sample> load(
      CamVidFolder folder,
      String images,
      String labels,
      List<String> names,
      String what,
      PrintStream log) {
    ProgressLine progress = new ProgressLine(log, "load " + what, names.size());
    return folder.load(images, labels, names, done -> progress.update(done, ""));
  }

  /** Label maps of raw ids (Cityscapes' labelIds) as the class set's ids; others unchanged. */
  public static List<Sample> trainIds(List<Sample> samples, ClassSet classes) {
    if (classes.rawToTrain() == null) {
      return samples;
    }
    for (Sample s : samples) {
      int[] l = s.labels();
      for (int i = 0; i < l.length; i++) {
        l[i] = classes.train(l[i]);
      }
    }
    return samples;
  }

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
}
