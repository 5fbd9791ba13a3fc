package dev.allspark.inference;

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
    int maxFrameBytes,
    int maxFramePixels,
    double labelRequestsPerMinute,
    double labelFraction,
    double auditFraction,
    int httpPort,
    Duration transactionTimeout,
    long seed) {

  /** One setting: its environment variable, flag, default and meaning. */
  public enum Key {
    BOOTSTRAP(
        "ALLSPARK_BOOTSTRAP", "--bootstrap", null, "Kafka bootstrap servers, HOST:PORT[,...]"),
    GROUP("ALLSPARK_INFERENCE_GROUP", "--group", "allspark-inference", "consumer group id"),
    INSTANCE(
        "ALLSPARK_INFERENCE_INSTANCE_ID",
        "--instance-id",
        null,
        "stable id of this replica (transactional.id suffix; default: host name)"),
    MODEL_VERSION(
        "ALLSPARK_INFERENCE_MODEL_VERSION",
        "--model-version",
        "latest",
        "'latest' to follow the newest checkpoint, or a version number to pin (rollback)"),
    MAX_BATCH("ALLSPARK_INFERENCE_MAX_BATCH", "--max-batch", "8", "frames per micro-batch"),
    MAX_WAIT_MS(
        "ALLSPARK_INFERENCE_MAX_WAIT_MS",
        "--max-wait-ms",
        "50",
        "longest wait for a micro-batch to fill, milliseconds"),
    INPUT_SIZE(
        "ALLSPARK_INFERENCE_INPUT_SIZE",
        "--input-size",
        "480x360",
        "WIDTHxHEIGHT the model sees (results are at each frame's own size)"),
    MAX_FRAME_BYTES(
        "ALLSPARK_INFERENCE_MAX_FRAME_BYTES",
        "--max-frame-bytes",
        String.valueOf(10 << 20),
        "larger encoded images go to the DLQ"),
    MAX_FRAME_PIXELS(
        "ALLSPARK_INFERENCE_MAX_FRAME_PIXELS",
        "--max-frame-pixels",
        String.valueOf(4096 * 4096),
        "larger declared sizes go to the DLQ"),
    LABEL_RATE(
        "ALLSPARK_INFERENCE_LABEL_REQUESTS_PER_MINUTE",
        "--label-requests-per-minute",
        "60",
        "at most this many label requests per minute (0 = none)"),
    LABEL_FRACTION(
        "ALLSPARK_INFERENCE_LABEL_FRACTION",
        "--label-fraction",
        "0.02",
        "at most this fraction of frames is requested for labeling"),
    AUDIT_FRACTION(
        "ALLSPARK_INFERENCE_AUDIT_FRACTION",
        "--audit-fraction",
        "0.002",
        "fraction of frames requested at random (audit), within the same budget"),
    HTTP_PORT(
        "ALLSPARK_INFERENCE_HTTP_PORT",
        "--http-port",
        "8083",
        "port of /metrics and /health (0 = any free port, -1 = no server)"),
    TRANSACTION_TIMEOUT_MS(
        "ALLSPARK_INFERENCE_TRANSACTION_TIMEOUT_MS",
        "--transaction-timeout-ms",
        "30000",
        "transaction.timeout.ms: how long a crashed replica's open transaction can hold readers"),
    SEED("ALLSPARK_INFERENCE_SEED", "--seed", "1", "seed of the random audit sample");

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

    public String defaultValue() {
      return defaultValue;
    }

    public String doc() {
      return doc;
    }

    String name(Map<String, String> values) {
      return flag + " / " + env;
    }
  }

  /** Prefix of environment variables passed to the Kafka clients as they are. */
  public static final String KAFKA_PREFIX = KafkaOverrides.PREFIX;

  /**
   * Settings from environment-style values ({@link Key#env()} names, plus topic-name variables and
   * {@code ALLSPARK_KAFKA_*} client overrides such as {@code ALLSPARK_KAFKA_SECURITY_PROTOCOL}).
   *
   * @throws IllegalArgumentException naming the setting that is missing or malformed
   */
  public static InferenceSettings from(Map<String, String> values) {
    Parser p = new Parser(values);
    String bootstrap = p.required(Key.BOOTSTRAP);
    String version = p.text(Key.MODEL_VERSION).toLowerCase(Locale.ROOT);
    OptionalLong pinned;
    if (version.equals("latest")) {
      pinned = OptionalLong.empty();
    } else {
      long v = p.parseLong(Key.MODEL_VERSION, version);
      if (v < 1) {
        throw p.bad(Key.MODEL_VERSION, version, "a version is a positive number");
      }
      pinned = OptionalLong.of(v);
    }
    String size = p.text(Key.INPUT_SIZE);
    String[] wh = size.toLowerCase(Locale.ROOT).split("x");
    if (wh.length != 2) {
      throw p.bad(Key.INPUT_SIZE, size, "expected WIDTHxHEIGHT, e.g. 480x360");
    }
    int w = (int) p.parseLong(Key.INPUT_SIZE, wh[0]);
    int h = (int) p.parseLong(Key.INPUT_SIZE, wh[1]);
    if (w < 32 || h < 32 || w > 4096 || h > 4096) {
      throw p.bad(Key.INPUT_SIZE, size, "each side must be within 32..4096");
    }
    String instance = values.get(Key.INSTANCE.env);
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
              + Key.LABEL_FRACTION.flag
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
        (int) p.integer(Key.MAX_FRAME_BYTES, 1, Integer.MAX_VALUE),
        (int) p.integer(Key.MAX_FRAME_PIXELS, 1, Integer.MAX_VALUE),
        p.decimal(Key.LABEL_RATE, 0, 1e6),
        fraction,
        audit,
        port,
        Duration.ofMillis(p.integer(Key.TRANSACTION_TIMEOUT_MS, 1000, 900_000)),
        p.integer(Key.SEED, Long.MIN_VALUE, Long.MAX_VALUE));
  }

  /** A minimal value map: the bootstrap servers; everything else at its default. */
  public static Map<String, String> defaults(String bootstrap) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(Key.BOOTSTRAP.env, bootstrap);
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

  private static final class Parser {
    private final Map<String, String> values;

    Parser(Map<String, String> values) {
      this.values = values;
    }

    String text(Key key) {
      String v = values.get(key.env);
      if (v == null || v.isBlank()) {
        v = key.defaultValue;
      }
      return v == null ? null : v.strip();
    }

    String required(Key key) {
      String v = text(key);
      if (v == null) {
        throw new IllegalArgumentException(key.name(values) + " is required (" + key.doc + ")");
      }
      return v;
    }

    IllegalArgumentException bad(Key key, String value, String why) {
      return new IllegalArgumentException(
          key.name(values) + " = '" + value + "' is invalid: " + why);
    }

    long parseLong(Key key, String value) {
      try {
        return Long.parseLong(value.strip());
      } catch (NumberFormatException e) {
        throw bad(key, value, "not a whole number");
      }
    }

    long integer(Key key, long min, long max) {
      String v = text(key);
      long n = parseLong(key, v);
      if (n < min || n > max) {
        throw bad(key, v, "must be within " + min + ".." + max);
      }
      return n;
    }

    double decimal(Key key, double min, double max) {
      String v = text(key);
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

    double fraction(Key key) {
      return decimal(key, 0, 1);
    }
  }
}
