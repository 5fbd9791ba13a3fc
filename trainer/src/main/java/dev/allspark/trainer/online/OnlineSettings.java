package dev.allspark.trainer.online;

import dev.allspark.ops.settings.SettingName;
import dev.allspark.ops.settings.SettingTable;
import dev.allspark.ops.settings.SettingValues;
import dev.allspark.ops.settings.SettingsBuilder;
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
    java.util.Set<Long> retainPinned,
    Path pretrained,
    dev.allspark.schemas.labels.ClassSet classes) {

  /** The settings, by name; {@link #TABLE} gives their defaults and meanings. */
  public enum Key implements SettingName {
    BOOTSTRAP,
    CLASSES,
    GROUP,
    STATE_DIR,
    MODEL,
    METHOD,
    CROP,
    BATCH,
    TRAIN_SIZE,
    MIN_LABELS,
    HOLDOUT_FRACTION,
    WINDOW,
    WINDOW_SAMPLE,
    LR,
    LR_WARMUP,
    LR_DECAY,
    OPTIMIZER,
    WEIGHT_DECAY,
    UNLABELED_FROM,
    MEMORY_WARMUP,
    PSEUDO_THRESHOLD,
    EVAL_EVERY,
    SAVE_EVERY,
    MARGIN,
    MAX_STEPS,
    DEVICE,
    HTTP_PORT,
    SEED,
    RETAIN_VERSIONS,
    PRETRAINED,
    RETAIN_PINNED
  }

  /** Every setting of the service: its options, its README table. */
  public static final SettingTable TABLE =
      SettingTable.of(
          "trainer",
          "ALLSPARK_TRAINER",
          Key.class,
          """
          GROUP             allspark-trainer  consumer group on camera.frames
          STATE_DIR         trainer-state  folder of the saved training state (a volume in
                                      containers)
          MODEL             b0        b0 or tiny
          METHOD            allspark  allspark or supervised
          CROP              129       training crop side
          BATCH             4         labeled (and as many unlabeled) crops per step
          TRAIN_SIZE        480x360   WIDTHxHEIGHT frames and masks are resized to before cropping
          MIN_LABELS        20        training labeled frames needed before training starts
          HOLDOUT_FRACTION  0.15      share of labeled frames held out for validation (by frame-id
                                      hash)
          WINDOW            512       unlabeled frames kept
          WINDOW_SAMPLE     0.25      share of arriving frames kept in the window
          LR                0.01      learning rate after warm-up (constant)
          LR_WARMUP         100       steps of linear LR warm-up
          LR_DECAY          constant  constant (a never-ending stream) or poly (power 0.9 over
                                      --max-steps, as offline)
          OPTIMIZER         sgd       sgd (the reference: momentum 0.9) or adamw (SegFormer's own)
          WEIGHT_DECAY      -         weight decay (unset: 1e-4 with sgd, 0.01 with adamw)
          UNLABELED_FROM    0         allspark trains on labeled frames alone for this many steps (a
                                      supervised warm start); the memory warm-up counts from there
          MEMORY_WARMUP     200       steps before the Semantic Memory is read
          PSEUDO_THRESHOLD  0.95      pseudo-labelled pixels below this confidence count nothing (0
                                      = all count)
          EVAL_EVERY        500       steps between held-out evaluations (and publication attempts)
          SAVE_EVERY        100       steps between state saves
          MARGIN            0.01      publish only if held-out mIoU >= last published - margin
          MAX_STEPS         0         stop after this step (0 = never)
          DEVICE            auto      auto (GPU when present), cpu or gpu
          HTTP_PORT         8084      port of /metrics and /health (0 = any free port, -1 = no
                                      server)
          SEED              1         random seed
          RETAIN_VERSIONS   20        checkpoint versions kept on model.checkpoints; older ones are
                                      removed by tombstones (0 = keep every version)
          PRETRAINED        -         encoder weights to start from (FILE.safetensors, a
                                      MiT/SegFormer encoder by its own tensor names); used when
                                      there is no state to resume
          RETAIN_PINNED     ""        versions never removed, comma-separated (e.g. the one the
                                      inference service is pinned to)
          """);

  public static final String KAFKA_PREFIX = KafkaOverrides.PREFIX;

  public static Map<String, String> defaults(String bootstrap) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(Key.BOOTSTRAP.env(), bootstrap);
    return m;
  }

  /** Validated settings from environment-style values; errors name the setting. */
  public static OnlineSettings from(Map<String, String> values) {
    SettingValues p = new SettingValues(values);
    Map<String, String> kafka = new LinkedHashMap<>();
    kafka.putAll(KafkaOverrides.from(values));
    String model = p.text(Key.MODEL).toLowerCase(Locale.ROOT);
    if (!model.equals("b0") && !model.equals("tiny")) {
      throw p.bad(Key.MODEL, model, "expected b0 or tiny");
    }
    Method method =
        switch (p.text(Key.METHOD).toLowerCase(Locale.ROOT)) {
          case "allspark" -> Method.ALLSPARK;
          case "supervised" -> Method.SUPERVISED;
          default -> throw p.bad(Key.METHOD, p.text(Key.METHOD), "expected allspark or supervised");
        };
    int[] wh = p.size(Key.TRAIN_SIZE, 16, 4096);
    int w = wh[0];
    int h = wh[1];
    String device = p.text(Key.DEVICE).toLowerCase(Locale.ROOT);
    if (!device.matches("auto|cpu|gpu")) {
      throw p.bad(Key.DEVICE, device, "expected auto, cpu or gpu");
    }
    Optimizer.Kind optimizer;
    try {
      optimizer = Optimizer.Kind.parse(p.text(Key.OPTIMIZER), Key.OPTIMIZER.label());
    } catch (IllegalArgumentException e) {
      throw p.bad(Key.OPTIMIZER, p.text(Key.OPTIMIZER), "expected sgd or adamw");
    }
    String decay = p.text(Key.LR_DECAY).toLowerCase(Locale.ROOT);
    if (!decay.equals("constant") && !decay.equals("poly")) {
      throw p.bad(Key.LR_DECAY, decay, "expected constant or poly");
    }
    boolean lrPoly = decay.equals("poly");
    if (lrPoly && p.integer(Key.MAX_STEPS, 0, Long.MAX_VALUE) == 0) {
      throw p.bad(
          Key.LR_DECAY, decay, "poly decays over " + Key.MAX_STEPS.label() + ", which is 0");
    }
    int evalEvery = (int) p.integer(Key.EVAL_EVERY, 1, Integer.MAX_VALUE);
    int saveEvery = (int) p.integer(Key.SAVE_EVERY, 1, Integer.MAX_VALUE);
    return new OnlineSettings(
        p.required(Key.BOOTSTRAP),
        Map.copyOf(kafka),
        TopicCatalog.from(values),
        p.text(Key.GROUP),
        Path.of(p.text(Key.STATE_DIR)),
        model,
        method,
        (int) p.integer(Key.CROP, 33, 1024),
        (int) p.integer(Key.BATCH, 1, 64),
        w,
        h,
        (int) p.integer(Key.MIN_LABELS, 1, 1_000_000),
        p.decimal(Key.HOLDOUT_FRACTION, 0.01, 0.9),
        (int) p.integer(Key.WINDOW, 1, 1_000_000),
        p.decimal(Key.WINDOW_SAMPLE, 0.0001, 1),
        p.decimal(Key.LR, 1e-7, 10),
        (int) p.integer(Key.LR_WARMUP, 0, Integer.MAX_VALUE),
        lrPoly,
        optimizer,
        p.text(Key.WEIGHT_DECAY) == null
            ? optimizer.defaultWeightDecay()
            : (float) p.decimal(Key.WEIGHT_DECAY, 0, 0.9999),
        p.integer(Key.UNLABELED_FROM, 0, Long.MAX_VALUE),
        (int) p.integer(Key.MEMORY_WARMUP, 0, Integer.MAX_VALUE),
        (float) p.decimal(Key.PSEUDO_THRESHOLD, 0, 0.9999),
        evalEvery,
        saveEvery,
        p.decimal(Key.MARGIN, -1, 1),
        p.integer(Key.MAX_STEPS, 0, Long.MAX_VALUE),
        device,
        (int) p.integer(Key.HTTP_PORT, -1, 65535),
        p.integer(Key.SEED, Long.MIN_VALUE, Long.MAX_VALUE),
        (int) p.integer(Key.RETAIN_VERSIONS, 0, 1_000_000),
        p.numbers(Key.RETAIN_PINNED, 1, Long.MAX_VALUE),
        pretrained(p),
        dev.allspark.schemas.labels.ClassSet.named(p.text(Key.CLASSES), Key.CLASSES.label()));
  }

  private static Path pretrained(SettingValues p) {
    Path file = p.path(Key.PRETRAINED);
    if (file != null && !java.nio.file.Files.isReadable(file)) {
      throw new IllegalArgumentException(
          Key.PRETRAINED.label() + " " + file + " does not exist or is unreadable");
    }
    return file;
  }

  public static SettingsBuilder<OnlineSettings> builder(String bootstrap) {
    return new SettingsBuilder<>(OnlineSettings::from).set(Key.BOOTSTRAP, bootstrap);
  }
}
