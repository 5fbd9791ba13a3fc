package dev.allspark.ops.settings;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The settings of one service, in the order its {@code --help} and README list them. A service
 * declares its table once, as constants: {@code static final SettingKey GROUP = TABLE.key("GROUP",
 * default, doc)}; its command-line options ({@link SettingOptions}), its validation ({@link
 * SettingValues}) and its README table ({@link #markdown()}, checked by a test) all come from it.
 */
public final class SettingTable {
  /** Every service's Kafka bootstrap servers. */
  public static final String BOOTSTRAP_ENV = "ALLSPARK_BOOTSTRAP";

  private final String service;
  private final String envPrefix;
  private final List<SettingKey> keys = new ArrayList<>();

  /**
   * @param envPrefix the service's environment variables' prefix, e.g. {@code ALLSPARK_TRAINER}
   */
  public SettingTable(String service, String envPrefix) {
    this.service = service;
    this.envPrefix = envPrefix;
  }

  /**
   * A setting named by the one rule every service follows: {@code key("STATE_DIR", ...)} is the
   * variable {@code <prefix>_STATE_DIR} and the flag {@code --state-dir}.
   */
  public SettingKey key(String name, String defaultValue, String doc) {
    if (!name.matches("[A-Z][A-Z0-9]*(_[A-Z0-9]+)*")) {
      throw new IllegalArgumentException(
          service + ": setting name " + name + " is not UPPER_SNAKE");
    }
    return add(
        envPrefix + "_" + name,
        "--" + name.toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
        defaultValue,
        doc);
  }

  public String service() {
    return service;
  }

  public SettingKey add(String env, String flag, String defaultValue, String doc) {
    for (SettingKey k : keys) {
      if (k.env().equals(env) || k.flag().equals(flag)) {
        throw new IllegalStateException(service + ": " + env + " / " + flag + " declared twice");
      }
    }
    SettingKey key = new SettingKey(env, flag, defaultValue, doc);
    keys.add(key);
    return key;
  }

  /** The bootstrap servers setting every service has, required. */
  public SettingKey bootstrap() {
    return add(BOOTSTRAP_ENV, "--bootstrap", null, "Kafka bootstrap servers, HOST:PORT[,...]");
  }

  /** The deployment's class set: the same variable for every service. */
  public SettingKey classes() {
    return add(
        "ALLSPARK_CLASSES",
        "--classes",
        "camvid",
        "class set: camvid (11 classes), cityscapes (19 train ids) or a JSON file; masks,"
            + " checkpoints and trainer state of another set are refused");
  }

  public List<SettingKey> keys() {
    return Collections.unmodifiableList(keys);
  }

  /** The key with this environment variable, or null. */
  public SettingKey byEnv(String env) {
    for (SettingKey k : keys) {
      if (k.env().equals(env)) {
        return k;
      }
    }
    return null;
  }

  /**
   * The README's table of these settings (plus the topic-name and Kafka-client variables every
   * service takes).
   */
  public String markdown() {
    StringBuilder b = new StringBuilder();
    b.append("| option | environment variable | default | meaning |\n");
    b.append("| --- | --- | --- | --- |\n");
    for (SettingKey k : keys) {
      String def = k.defaultValue() == null ? "" : k.defaultValue();
      b.append("| `")
          .append(k.flag())
          .append("` | `")
          .append(k.env())
          .append("` | ")
          .append(def.isEmpty() ? "" : "`" + def + "`")
          .append(" | ")
          .append(k.doc())
          .append(" |\n");
    }
    b.append("| | `ALLSPARK_TOPIC_*` | | topic names (see `bin/allspark topics list`) |\n");
    b.append(
        "| | `ALLSPARK_KAFKA_*` | | passed to the Kafka clients:"
            + " `ALLSPARK_KAFKA_SECURITY_PROTOCOL=SASL_SSL` sets `security.protocol` |\n");
    return b.toString();
  }
}
