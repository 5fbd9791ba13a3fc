package dev.allspark.trainer.online;

import dev.allspark.trainer.Sample;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * Every labeled frame the trainer has seen, the latest mask of a frame replacing an earlier one. A
 * deterministic slice (by a hash of the frame id) is held out for validation and never trained on.
 * Training replay is class-balanced: a class is drawn uniformly among the classes present in the
 * training frames, then a frame showing that class, so rare classes (poles, signs, cyclists) are
 * not drowned by road and sky. Thread-safe: the intake thread adds, the training thread draws.
 */
final class LabeledSet {
  private final int classes;
  private final double holdoutFraction;
  private final Map<String, Sample> train = new LinkedHashMap<>();
  private final Map<String, Sample> holdout = new LinkedHashMap<>();

  /** Per class: ids of training frames that show it. */
  private final List<List<String>> byClass = new ArrayList<>();

  LabeledSet(int classes, double holdoutFraction) {
    this.classes = classes;
    this.holdoutFraction = holdoutFraction;
    for (int c = 0; c < classes; c++) {
      byClass.add(new ArrayList<>());
    }
  }

  /** True for the frames held out: the same ids on every run and every replica. */
  static boolean heldOut(String frameId, double fraction) {
    CRC32 crc = new CRC32();
    crc.update(frameId.getBytes(StandardCharsets.UTF_8));
    return (crc.getValue() % 10_000) < fraction * 10_000;
  }

  /** Adds or replaces a frame's labels. */
  synchronized void put(Sample sample) {
    if (heldOut(sample.id(), holdoutFraction)) {
      holdout.put(sample.id(), sample);
      return;
    }
    Sample previous = train.put(sample.id(), sample);
    if (previous != null) {
      for (List<String> ids : byClass) {
        ids.remove(sample.id());
      }
    }
    boolean[] present = new boolean[classes];
    for (int label : sample.labels()) {
      if (label >= 0 && label < classes) {
        present[label] = true;
      }
    }
    for (int c = 0; c < classes; c++) {
      if (present[c]) {
        byClass.get(c).add(sample.id());
      }
    }
  }

  synchronized int trainSize() {
    return train.size();
  }

  synchronized int holdoutSize() {
    return holdout.size();
  }

  synchronized List<Sample> holdout() {
    return new ArrayList<>(holdout.values());
  }

  /** A class-balanced draw from the training frames. */
  synchronized Sample draw(Random rng) {
    List<Integer> present = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      if (!byClass.get(c).isEmpty()) {
        present.add(c);
      }
    }
    if (present.isEmpty()) {
      // frames that are all void: draw uniformly
      List<Sample> all = new ArrayList<>(train.values());
      return all.get(rng.nextInt(all.size()));
    }
    List<String> ids = byClass.get(present.get(rng.nextInt(present.size())));
    return train.get(ids.get(rng.nextInt(ids.size())));
  }
}
