package dev.allspark.trainer.online;

import dev.allspark.schemas.kafka.KafkaOverrides;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.trainer.Method;
import dev.allspark.trainer.Optimizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Every setting of the online trainer, each from an environment variable ({@code
 * ALLSPARK_TRAINER_*}) or its command-line flag; {@link #from(Map)} validates them at start and
 * names the setting in every message.
 */
public record OnlineSettings(
    String bootstrap,
    Map<String, String> kafkaOverrides,
    TopicCatalog topics,
    String groupId,
    Path stateDir,
    String model,
    Method method,
    int crop,
    int batch,
    int trainWidth,
    int trainHeight,
    int minLabels,
    double holdoutFraction,
    int windowSize,
    double windowSampleFraction,
    double lr,
    int lrWarmup,
    boolean lrPoly,
    Optimizer.Kind optimizer,
    float weightDecay,
    long unlabeledFrom,
    int memoryWarmup,
    float pseudoThreshold,
    int evalEvery,
    int saveEvery,
    double margin,
    long maxSteps,
    String device,
    int httpPort,
    long seed,
    int retainVersions,
    java.util.Set<Long> retainPinned) {

  /** One setting. */
  public enum Key {
    BOOTSTRAP("ALLSPARK_BOOTSTRAP", "--bootstrap", null, "Kafka bootstrap servers"),
    GROUP(
        "ALLSPARK_TRAINER_GROUP", "--group", "allspark-trainer", "consumer group on camera.frames"),
    STATE_DIR(
        "ALLSPARK_TRAINER_STATE_DIR",
        "--state-dir",
        "trainer-state",
        "folder of the saved training state (a volume in containers)"),
    MODEL("ALLSPARK_TRAINER_MODEL", "--model", "b0", "b0 or tiny"),
    METHOD("ALLSPARK_TRAINER_METHOD", "--method", "allspark", "allspark or supervised"),
    CROP("ALLSPARK_TRAINER_CROP", "--crop", "129", "training crop side"),
    BATCH(
        "ALLSPARK_TRAINER_BATCH", "--batch", "4", "labeled (and as many unlabeled) crops per step"),
    TRAIN_SIZE(
        "ALLSPARK_TRAINER_TRAIN_SIZE",
        "--train-size",
        "480x360",
        "WIDTHxHEIGHT frames and masks are resized to before cropping"),
    MIN_LABELS(
        "ALLSPARK_TRAINER_MIN_LABELS",
        "--min-labels",
        "20",
        "training labeled frames needed before training starts"),
    HOLDOUT(
        "ALLSPARK_TRAINER_HOLDOUT_FRACTION",
        "--holdout-fraction",
        "0.15",
        "share of labeled frames held out for validation (by frame-id hash)"),
    WINDOW("ALLSPARK_TRAINER_WINDOW", "--window", "512", "unlabeled frames kept"),
    WINDOW_SAMPLE(
        "ALLSPARK_TRAINER_WINDOW_SAMPLE",
        "--window-sample",
        "0.25",
        "share of arriving frames kept in the window"),
    LR("ALLSPARK_TRAINER_LR", "--lr", "0.01", "learning rate after warm-up (constant)"),
    LR_WARMUP("ALLSPARK_TRAINER_LR_WARMUP", "--lr-warmup", "100", "steps of linear LR warm-up"),
    LR_DECAY(
        "ALLSPARK_TRAINER_LR_DECAY",
        "--lr-decay",
        "constant",
        "constant (a never-ending stream) or poly (power 0.9 over --max-steps, as offline)"),
    OPTIMIZER(
        "ALLSPARK_TRAINER_OPTIMIZER",
        "--optimizer",
        "sgd",
        "sgd (the reference: momentum 0.9) or adamw (SegFormer's own)"),
    WEIGHT_DECAY(
        "ALLSPARK_TRAINER_WEIGHT_DECAY",
        "--weight-decay",
        null,
        "weight decay (unset: 1e-4 with sgd, 0.01 with adamw)"),
    UNLABELED_FROM(
        "ALLSPARK_TRAINER_UNLABELED_FROM",
        "--unlabeled-from",
        "0",
        "allspark trains on labeled frames alone for this many steps (a supervised warm start);"
            + " the memory warm-up counts from there"),
    MEMORY_WARMUP(
        "ALLSPARK_TRAINER_MEMORY_WARMUP",
        "--memory-warmup",
        "200",
        "steps before the Semantic Memory is read"),
    PSEUDO_THRESHOLD(
        "ALLSPARK_TRAINER_PSEUDO_THRESHOLD",
        "--pseudo-threshold",
        "0.95",
        "pseudo-labelled pixels below this confidence count nothing (0 = all count)"),
    EVAL_EVERY(
        "ALLSPARK_TRAINER_EVAL_EVERY",
        "--eval-every",
        "500",
        "steps between held-out evaluations (and publication attempts)"),
    SAVE_EVERY("ALLSPARK_TRAINER_SAVE_EVERY", "--save-every", "100", "steps between state saves"),
    MARGIN(
        "ALLSPARK_TRAINER_MARGIN",
        "--margin",
        "0.01",
        "publish only if held-out mIoU >= last published - margin"),
    MAX_STEPS("ALLSPARK_TRAINER_MAX_STEPS", "--max-steps", "0", "stop after this step (0 = never)"),
    DEVICE("ALLSPARK_TRAINER_DEVICE", "--device", "auto", "auto (GPU when present), cpu or gpu"),
    HTTP_PORT(
        "ALLSPARK_TRAINER_HTTP_PORT",
        "--http-port",
        "8084",
        "port of /metrics and /health (0 = any free port, -1 = no server)"),
    SEED("ALLSPARK_TRAINER_SEED", "--seed", "1", "random seed"),
    RETAIN_VERSIONS(
        "ALLSPARK_TRAINER_RETAIN_VERSIONS",
        "--retain-versions",
        "20",
        "checkpoint versions kept on model.checkpoints; older ones are removed by tombstones"
            + " (0 = keep every version)"),
    RETAIN_PINNED(
        "ALLSPARK_TRAINER_RETAIN_PINNED",
        "--retain-pinned",
        "",
        "versions never removed, comma-separated (e.g. the one the inference service is pinned"
            + " to)");

    final String env;
    final String flag;
    final String defaultValue;
    final String doc;

    Key(String env, String flag, String defaultValue, String doc) {
      this.env = env;
      this.flag = flag;
      this.defaultValue = defaultValue;
      this.doc = doc;
    }

    public String env() {
      return env;
    }

    public String flag() {
      return flag;
    }

    public String doc() {
      return doc;
    }

    String label() {
      return flag + " / " + env;
    }
  }

  public static final String KAFKA_PREFIX = KafkaOverrides.PREFIX;

  public static Map<String, String> defaults(String bootstrap) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(Key.BOOTSTRAP.env, bootstrap);
    return m;
  }

  /** Validated settings from environment-style values; errors name the setting. */
  public static OnlineSettings from(Map<String, String> values) {
    Map<String, String> kafka = new LinkedHashMap<>();
    kafka.putAll(KafkaOverrides.from(values));
    String model = text(values, Key.MODEL).toLowerCase(Locale.ROOT);
    if (!model.equals("b0") && !model.equals("tiny")) {
      throw bad(Key.MODEL, model, "expected b0 or tiny");
    }
    Method method =
        switch (text(values, Key.METHOD).toLowerCase(Locale.ROOT)) {
          case "allspark" -> Method.ALLSPARK;
          case "supervised" -> Method.SUPERVISED;
          default ->
              throw bad(Key.METHOD, text(values, Key.METHOD), "expected allspark or supervised");
        };
    String size = text(values, Key.TRAIN_SIZE);
    String[] wh = size.toLowerCase(Locale.ROOT).split("x");
    if (wh.length != 2) {
      throw bad(Key.TRAIN_SIZE, size, "expected WIDTHxHEIGHT, e.g. 480x360");
    }
    int w = (int) parse(Key.TRAIN_SIZE, wh[0], 16, 4096);
    int h = (int) parse(Key.TRAIN_SIZE, wh[1], 16, 4096);
    String device = text(values, Key.DEVICE).toLowerCase(Locale.ROOT);
    if (!device.matches("auto|cpu|gpu")) {
      throw bad(Key.DEVICE, device, "expected auto, cpu or gpu");
    }
    Optimizer.Kind optimizer;
    try {
      optimizer = Optimizer.Kind.parse(text(values, Key.OPTIMIZER), Key.OPTIMIZER.label());
    } catch (IllegalArgumentException e) {
      throw bad(Key.OPTIMIZER, text(values, Key.OPTIMIZER), "expected sgd or adamw");
    }
    String decay = text(values, Key.LR_DECAY).toLowerCase(Locale.ROOT);
    if (!decay.equals("constant") && !decay.equals("poly")) {
      throw bad(Key.LR_DECAY, decay, "expected constant or poly");
    }
    boolean lrPoly = decay.equals("poly");
    if (lrPoly && integer(values, Key.MAX_STEPS, 0, Long.MAX_VALUE) == 0) {
      throw bad(Key.LR_DECAY, decay, "poly decays over " + Key.MAX_STEPS.label() + ", which is 0");
    }
    int evalEvery = (int) integer(values, Key.EVAL_EVERY, 1, Integer.MAX_VALUE);
    int saveEvery = (int) integer(values, Key.SAVE_EVERY, 1, Integer.MAX_VALUE);
    return new OnlineSettings(
        required(values, Key.BOOTSTRAP),
        Map.copyOf(kafka),
        TopicCatalog.from(values),
        text(values, Key.GROUP),
        Path.of(text(values, Key.STATE_DIR)),
        model,
        method,
        (int) integer(values, Key.CROP, 33, 1024),
        (int) integer(values, Key.BATCH, 1, 64),
        w,
        h,
        (int) integer(values, Key.MIN_LABELS, 1, 1_000_000),
        decimal(values, Key.HOLDOUT, 0.01, 0.9),
        (int) integer(values, Key.WINDOW, 1, 1_000_000),
        decimal(values, Key.WINDOW_SAMPLE, 0.0001, 1),
        decimal(values, Key.LR, 1e-7, 10),
        (int) integer(values, Key.LR_WARMUP, 0, Integer.MAX_VALUE),
        lrPoly,
        optimizer,
        text(values, Key.WEIGHT_DECAY) == null
            ? optimizer.defaultWeightDecay()
            : (float) decimal(values, Key.WEIGHT_DECAY, 0, 0.9999),
        integer(values, Key.UNLABELED_FROM, 0, Long.MAX_VALUE),
        (int) integer(values, Key.MEMORY_WARMUP, 0, Integer.MAX_VALUE),
        (float) decimal(values, Key.PSEUDO_THRESHOLD, 0, 0.9999),
        evalEvery,
        saveEvery,
        decimal(values, Key.MARGIN, -1, 1),
        integer(values, Key.MAX_STEPS, 0, Long.MAX_VALUE),
        device,
        (int) integer(values, Key.HTTP_PORT, -1, 65535),
        integer(values, Key.SEED, Long.MIN_VALUE, Long.MAX_VALUE),
        (int) integer(values, Key.RETAIN_VERSIONS, 0, 1_000_000),
        versions(values, Key.RETAIN_PINNED));
  }

  private static java.util.Set<Long> versions(Map<String, String> values, Key key) {
    String v = text(values, key);
    java.util.Set<Long> out = new java.util.TreeSet<>();
    if (v == null) {
      return out;
    }
    for (String part : v.split(",")) {
      if (!part.isBlank()) {
        out.add(parse(key, part, 1, Long.MAX_VALUE));
      }
    }
    return java.util.Collections.unmodifiableSet(out);
  }

  private static String text(Map<String, String> values, Key key) {
    String v = values.get(key.env);
    return v == null || v.isBlank() ? key.defaultValue : v.strip();
  }

  private static String required(Map<String, String> values, Key key) {
    String v = text(values, key);
    if (v == null) {
      throw new IllegalArgumentException(key.label() + " is required (" + key.doc + ")");
    }
    return v;
  }

  private static IllegalArgumentException bad(Key key, String value, String why) {
    return new IllegalArgumentException(key.label() + " = '" + value + "' is invalid: " + why);
  }

  private static long parse(Key key, String value, long min, long max) {
    long n;
    try {
      n = Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw bad(key, value, "not a whole number");
    }
    if (n < min || n > max) {
      throw bad(key, value, "must be within " + min + ".." + max);
    }
    return n;
  }

  private static long integer(Map<String, String> values, Key key, long min, long max) {
    return parse(key, text(values, key), min, max);
  }

  private static double decimal(Map<String, String> values, Key key, double min, double max) {
    String v = text(values, key);
    double d;
    try {
      d = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw bad(key, v, "not a number");
    }
    if (!(d >= min && d <= max)) {
      throw bad(key, v, "must be within " + min + ".." + max);
    }
    return d;
  }
}
