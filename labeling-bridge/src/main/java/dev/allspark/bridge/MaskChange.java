package dev.allspark.bridge;

import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.schemas.labels.LabelMaps;
import java.util.ArrayList;
import java.util.List;

/**
 * How much a labeler changed the model's prediction: the share of pixels whose class differs, and
 * the changed pixels per predicted class (a per-class measure of how good the model already is).
 * Recorded with every mask whose request carried a prediction.
 */
record MaskChange(float share, List<Long> byClass) {
  /** The change from the request's prediction, or null without a usable one. */
  static MaskChange of(LabelRequest r, LabelMaps.LabelMap submitted, ClassSet classes) {
    if (r.getPrediction() == null) {
      return null;
    }
    byte[] png = ApiCalls.bytes(r.getPrediction());
    LabelMaps.LabelMap predicted;
    try {
      predicted = LabelMaps.read(png, classes);
    } catch (LabelMaps.InvalidMaskException e) {
      return null; // a prediction of another class set, or damaged: nothing to compare with
    }
    if (predicted.width() != submitted.width() || predicted.height() != submitted.height()) {
      return null;
    }
    long[] byClass = new long[classes.size()];
    long changed = 0;
    byte[] p = predicted.ids();
    byte[] s = submitted.ids();
    for (int i = 0; i < p.length; i++) {
      if (p[i] != s[i]) {
        changed++;
        int c = p[i] & 0xff;
        if (c < byClass.length) {
          byClass[c]++;
        }
      }
    }
    List<Long> counts = new ArrayList<>(byClass.length);
    for (long v : byClass) {
      counts.add(v);
    }
    return new MaskChange((float) changed / p.length, counts);
  }
}
