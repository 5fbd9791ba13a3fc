package dev.allspark.inference;

import dev.allspark.ops.settings.SettingName;
import dev.allspark.ops.settings.SettingTable;
import dev.allspark.ops.settings.SettingValues;
import dev.allspark.ops.settings.SettingsBuilder;
import dev.allspark.schemas.kafka.KafkaOverrides;
import dev.allspark.schemas.kafka.TopicCatalog;
import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Every setting of the inference service. Each has an environment variable (containers, Helm) and a
 * command-line flag; a flag wins over the variable. {@link #from(Map)} validates everything at
 * start and names the setting in every message.
 *
 * @param modelVersion empty = follow the newest checkpoint; a value = pinned to that version
 * @param classes the deployment's class set: a checkpoint of another is refused
 */
public record InferenceSettings(
    String bootstrap,
    Map<String, String> kafkaOverrides,
    TopicCatalog topics,
    String groupId,
    String instanceId,
    OptionalLong modelVersion,
    int maxBatch,
    Duration maxWait,
    int inputWidth,
    int inputHeight,
    Double inputScale,
    int maxFrameBytes,
    int maxFramePixels,
    double labelRequestsPerMinute,
    double labelFraction,
    double auditFraction,
    int httpPort,
    Duration transactionTimeout,
    long seed,
    dev.allspark.schemas.labels.ClassSet classes) {

  /** What the model sees: {@code INPUT_SIZE}, scaled by {@code INPUT_SCALE} or the checkpoint's. */
  InputSize inputSize() {
    return new InputSize(inputWidth, inputHeight, inputScale);
  }

  /** The settings, by name; {@link #TABLE} gives their defaults and meanings. */
  public enum Key implements SettingName {
    BOOTSTRAP,
    CLASSES,
    GROUP,
    INSTANCE_ID,
    MODEL_VERSION,
    MAX_BATCH,
    MAX_WAIT_MS,
    INPUT_SIZE,
    INPUT_SCALE,
    MAX_FRAME_BYTES,
    MAX_FRAME_PIXELS,
    LABEL_REQUESTS_PER_MINUTE,
    LABEL_FRACTION,
    AUDIT_FRACTION,
    HTTP_PORT,
    TRANSACTION_TIMEOUT_MS,
    SEED
  }

  /** Every setting of the service: its options, its README table. */
  public static final SettingTable TABLE =
      SettingTable.of(
          "inference",
          "ALLSPARK_INFERENCE",
          Key.class,
          """
          GROUP                      allspark-inference  consumer group id
          INSTANCE_ID                -           stable id of this replica (transactional.id suffix;
                                                 default: host name)
          MODEL_VERSION              latest      'latest' to follow the newest checkpoint, or a
                                                 version number to pin (rollback)
          MAX_BATCH                  8           frames per micro-batch
          MAX_WAIT_MS                0           longest a frame waits for a micro-batch to fill
                                                 while the model is free, milliseconds (0: at once;
                                                 frames that arrive during a forward pass make the
                                                 next batch)
          INPUT_SIZE                 480x360     WIDTHxHEIGHT frames are resized to for the model,
                                                 before --input-scale (results are at each frame's
                                                 own size)
          INPUT_SCALE                checkpoint  'checkpoint': the input size times the checkpoint's
                                                 training scale (its inputScale, 1 if none: a model
                                                 trained at half resolution serves at half
                                                 resolution, as evaluate scores it); or a factor in
                                                 (0, 1]
          MAX_FRAME_BYTES            10485760    larger encoded images go to the DLQ
          MAX_FRAME_PIXELS           16777216    larger declared sizes go to the DLQ
          LABEL_REQUESTS_PER_MINUTE  60          at most this many label requests per minute (0 =
                                                 none)
          LABEL_FRACTION             0.02        at most this fraction of frames is requested for
                                                 labeling
          AUDIT_FRACTION             0.002       fraction of frames requested at random (audit),
                                                 within the same budget
          HTTP_PORT                  8083        port of /metrics and /health (0 = any free port, -1
                                                 = no server)
          TRANSACTION_TIMEOUT_MS     30000       transaction.timeout.ms: how long a crashed
                                                 replica's open transaction can hold readers
          SEED                       1           seed of the random audit sample
          """);

  /** Prefix of environment variables passed to the Kafka clients as they are. */
  public static final String KAFKA_PREFIX = KafkaOverrides.PREFIX;

  /**
   * Settings from environment-style values ({@link dev.allspark.ops.settings.SettingName#env()}
   * names, plus topic-name variables and {@code ALLSPARK_KAFKA_*} client overrides such as {@code
   * ALLSPARK_KAFKA_SECURITY_PROTOCOL}).
   *
   * @throws IllegalArgumentException naming the setting that is missing or malformed
   */
  public static InferenceSettings from(Map<String, String> values) {
    SettingValues p = new SettingValues(values);
    String bootstrap = p.required(Key.BOOTSTRAP);
    String version = p.text(Key.MODEL_VERSION).toLowerCase(Locale.ROOT);
    OptionalLong pinned;
    if (version.equals("latest")) {
      pinned = OptionalLong.empty();
    } else {
      long v = p.parse(Key.MODEL_VERSION, version, Long.MIN_VALUE, Long.MAX_VALUE);
      if (v < 1) {
        throw p.bad(Key.MODEL_VERSION, version, "a version is a positive number");
      }
      pinned = OptionalLong.of(v);
    }
    int[] wh = p.size(Key.INPUT_SIZE, 32, 4096);
    int w = wh[0];
    int h = wh[1];
    String scaleText = p.text(Key.INPUT_SCALE).strip().toLowerCase(Locale.ROOT);
    Double scale = null;
    if (!scaleText.equals("checkpoint")) {
      scale = p.decimal(Key.INPUT_SCALE, 0, 1);
      if (scale == 0) {
        throw p.bad(Key.INPUT_SCALE, scaleText, "'checkpoint' or a factor in (0, 1]");
      }
    }
    String instance = values.get(Key.INSTANCE_ID.env());
    if (instance == null || instance.isBlank()) {
      instance = hostName();
    }
    Map<String, String> kafka = new LinkedHashMap<>();
    kafka.putAll(KafkaOverrides.from(values));
    double fraction = p.fraction(Key.LABEL_FRACTION);
    double audit = p.fraction(Key.AUDIT_FRACTION);
    if (audit > fraction) {
      throw p.bad(
          Key.AUDIT_FRACTION,
          String.valueOf(audit),
          "the audit sample is part of the label budget, so it cannot exceed "
              + Key.LABEL_FRACTION.flag()
              + " ("
              + fraction
              + ")");
    }
    int port = (int) p.integer(Key.HTTP_PORT, -1, 65535);
    return new InferenceSettings(
        bootstrap,
        Map.copyOf(kafka),
        TopicCatalog.from(values),
        p.text(Key.GROUP),
        instance.strip(),
        pinned,
        (int) p.integer(Key.MAX_BATCH, 1, 256),
        Duration.ofMillis(p.integer(Key.MAX_WAIT_MS, 0, 60_000)),
        w,
        h,
        scale,
        (int) p.integer(Key.MAX_FRAME_BYTES, 1, Integer.MAX_VALUE),
        (int) p.integer(Key.MAX_FRAME_PIXELS, 1, Integer.MAX_VALUE),
        p.decimal(Key.LABEL_REQUESTS_PER_MINUTE, 0, 1e6),
        fraction,
        audit,
        port,
        Duration.ofMillis(p.integer(Key.TRANSACTION_TIMEOUT_MS, 1000, 900_000)),
        p.integer(Key.SEED, Long.MIN_VALUE, Long.MAX_VALUE),
        dev.allspark.schemas.labels.ClassSet.named(p.text(Key.CLASSES), Key.CLASSES.label()));
  }

  /** A minimal value map: the bootstrap servers; everything else at its default. */
  public static Map<String, String> defaults(String bootstrap) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(Key.BOOTSTRAP.env(), bootstrap);
    return m;
  }

  private static String hostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "inference-0";
    }
  }

  public static SettingsBuilder<InferenceSettings> builder(String bootstrap) {
    return new SettingsBuilder<>(InferenceSettings::from).set(Key.BOOTSTRAP, bootstrap);
  }
}
