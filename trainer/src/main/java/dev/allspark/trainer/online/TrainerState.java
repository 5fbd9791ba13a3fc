package dev.allspark.trainer.online;

import dev.allspark.model.AllSparkNet;
import dev.allspark.model.Checkpoint;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.trainer.Optimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the online trainer saves besides weights, optimizer and Semantic Memory, as typed values:
 * the step, the last published version with its mIoU and time, the last validation mIoU and the
 * {@code camera.frames} offsets reached (partition -> next offset). {@link #save} writes it with
 * the network into one checkpoint file atomically; {@link #read} reads it back. This is the only
 * place that knows how these values are spelled in the checkpoint's info map.
 */
record TrainerState(
    long step,
    long publishedVersion,
    double publishedMiou,
    long publishedAtMillis,
    double lastMiou,
    Map<Integer, Long> frameOffsets) {

  static final String FILE = "trainer-state.ckpt";

  /** A state with nothing trained or published yet. */
  static TrainerState fresh() {
    return new TrainerState(0, -1, Double.NaN, 0, Double.NaN, Map.of());
  }

  /**
   * Writes the network, the optimizer and this state to {@code file} (temporary file, then move).
   */
  /** Refuses saved state of another class set, naming both and the setting. */
  static void checkClasses(Checkpoint saved, ClassSet classes, Path file) {
    if (saved.classes() == null || !saved.classes().sameClasses(classes)) {
      throw new IllegalStateException(
          file
              + " is the state of a trainer of class set "
              + (saved.classes() == null ? "?" : saved.classes().id())
              + ", these settings say "
              + classes.id()
              + " ("
              + OnlineSettings.Key.CLASSES.label()
              + "): use that class set, or another "
              + OnlineSettings.Key.STATE_DIR.label());
    }
  }

  void save(Path file, AllSparkNet net, ClassSet classes, Optimizer optimizer) throws IOException {
    Map<String, String> info = new LinkedHashMap<>();
    info.put("publishedVersion", Long.toString(publishedVersion));
    info.put("publishedMiou", Double.toString(publishedMiou));
    info.put("publishedAt", Long.toString(publishedAtMillis));
    StringBuilder offsets = new StringBuilder();
    new TreeMap<>(frameOffsets)
        .forEach(
            (partition, offset) ->
                offsets
                    .append(offsets.length() == 0 ? "" : ",")
                    .append(partition)
                    .append(':')
                    .append(offset));
    info.put("framesOffsets", offsets.toString());
    Map<String, Double> metrics = new LinkedHashMap<>();
    if (!Double.isNaN(lastMiou)) {
      metrics.put("val.mIoU", lastMiou);
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Checkpoint.of(net, classes, step, metrics, info, optimizer.state()).write(file);
  }

  /** The state a saved checkpoint holds (its weights are loaded by the caller). */
  static TrainerState read(Checkpoint saved) {
    Map<String, String> info = saved.info();
    Map<Integer, Long> offsets = new TreeMap<>();
    for (String part : info.getOrDefault("framesOffsets", "").split(",")) {
      if (!part.isBlank()) {
        String[] po = part.split(":");
        offsets.put(Integer.parseInt(po[0]), Long.parseLong(po[1]));
      }
    }
    return new TrainerState(
        saved.step(),
        Long.parseLong(info.getOrDefault("publishedVersion", "-1")),
        Double.parseDouble(info.getOrDefault("publishedMiou", "NaN")),
        Long.parseLong(info.getOrDefault("publishedAt", "0")),
        saved.metrics().getOrDefault("val.mIoU", Double.NaN),
        Map.copyOf(offsets));
  }
}
