package dev.allspark.ops.settings;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings of one service, in the order its {@code --help} and README list them. A service
 * declares its table once: an enum of the settings' names, which code uses, and the rows of their
 * defaults and meanings ({@link #of}); its command-line options ({@link SettingOptions}), its
 * validation ({@link SettingValues}) and its README table ({@link #markdown()}, checked by a test)
 * all come from it.
 */
public final class SettingTable {
  /** Every service's Kafka bootstrap servers. */
  public static final String BOOTSTRAP_ENV = "ALLSPARK_BOOTSTRAP";

  /** Every service's class set. */
  public static final String CLASSES_ENV = "ALLSPARK_CLASSES";

  private final String service;
  private final String envPrefix;
  private final List<SettingKey> keys = new ArrayList<>();
  private final Map<Enum<?>, SettingKey> byName = new java.util.HashMap<>();

  /**
   * @param envPrefix the service's environment variables' prefix, e.g. {@code ALLSPARK_TRAINER}
   */
  public SettingTable(String service, String envPrefix) {
    this.service = service;
    this.envPrefix = envPrefix;
  }

  /**
   * A service's table from its {@code Key} enum and the rows that describe it, one setting a row:
   * its name, its default ({@code -}: none, the setting is required or computed; {@code ""}: empty)
   * and what it means, separated by blanks; a line that starts with a blank continues the meaning
   * above it. The enum's order is the table's; {@code BOOTSTRAP} and {@code CLASSES} are every
   * service's ({@link #bootstrap()}, {@link #classes()}) and have no row. A row without a constant,
   * or a constant without a row, fails the service's class initialization, naming it.
   */
  public static <E extends Enum<E> & SettingName> SettingTable of(
      String service, String envPrefix, Class<E> names, String rows) {
    Map<String, String[]> parsed = parse(service, rows);
    SettingTable table = new SettingTable(service, envPrefix);
    for (E name : names.getEnumConstants()) {
      String[] row = parsed.remove(name.name());
      SettingKey key;
      if (name.name().equals("BOOTSTRAP") && row == null) {
        key = table.bootstrap();
      } else if (name.name().equals("CLASSES") && row == null) {
        key = table.classes();
      } else if (row == null) {
        throw new IllegalStateException(service + ": setting " + name + " has no row");
      } else {
        key = table.key(name.name(), row[0], row[1]);
      }
      table.byName.put(name, key);
    }
    if (!parsed.isEmpty()) {
      throw new IllegalStateException(
          service
              + ": rows without a constant in "
              + names.getSimpleName()
              + ": "
              + parsed.keySet());
    }
    if (TABLES.putIfAbsent(names, table) != null) {
      throw new IllegalStateException(service + ": " + names.getName() + " has a table already");
    }
    return table;
  }

  /** The tables made by {@link #of}, by their enum. */
  private static final Map<Class<?>, SettingTable> TABLES =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * The key of a constant of an enum given to {@link #of}. Where its table is not made yet, the
   * class that declares the enum (whose static table it is) is initialized first.
   */
  static SettingKey keyOf(Enum<?> name) {
    Class<?> names = name.getDeclaringClass();
    SettingTable table = TABLES.get(names);
    if (table == null && names.getEnclosingClass() != null) {
      try {
        Class.forName(names.getEnclosingClass().getName(), true, names.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
      table = TABLES.get(names);
    }
    if (table == null) {
      throw new IllegalStateException(names.getName() + " has no settings table");
    }
    return table.get(name);
  }

  private static Map<String, String[]> parse(String service, String rows) {
    Map<String, String[]> out = new LinkedHashMap<>();
    String[] last = null;
    for (String line : rows.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      if (Character.isWhitespace(line.charAt(0))) {
        if (last == null) {
          throw new IllegalStateException(service + ": a continuation before any row: " + line);
        }
        last[1] = last[1] + " " + line.strip();
        continue;
      }
      String[] parts = line.strip().split("\\s+", 3);
      if (parts.length < 3) {
        throw new IllegalStateException(
            service + ": a row needs a name, a default and a meaning: " + line);
      }
      String def =
          switch (parts[1]) {
            case "-" -> null;
            case "\"\"" -> "";
            default -> parts[1];
          };
      last = new String[] {def, parts[2]};
      if (out.put(parts[0], last) != null) {
        throw new IllegalStateException(service + ": setting " + parts[0] + " has two rows");
      }
    }
    return out;
  }

  /** The key of one of the table's names. */
  public SettingKey get(Enum<?> name) {
    SettingKey key = byName.get(name);
    if (key == null) {
      throw new IllegalArgumentException(service + " has no setting " + name);
    }
    return key;
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
        CLASSES_ENV,
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
