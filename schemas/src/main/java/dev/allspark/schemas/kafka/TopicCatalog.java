package dev.allspark.schemas.kafka;

import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The topic names in force: defaults, overridden per topic by a setting ({@code
 * allspark.topic.camera-frames=...}) or an environment variable ({@code
 * ALLSPARK_TOPIC_CAMERA_FRAMES=...}), and the settings each is created with.
 */
public final class TopicCatalog {
  private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  private final Map<Topic, String> names;

  private TopicCatalog(Map<Topic, String> names) {
    this.names = Collections.unmodifiableMap(new EnumMap<>(names));
  }

  public static TopicCatalog defaults() {
    return from(Map.of());
  }

  /**
   * Names from settings: a key is either a {@link Topic#nameSetting()} or a {@link
   * Topic#nameEnvironmentVariable()}; other keys are ignored.
   *
   * @throws IllegalArgumentException naming the setting when a name is not a legal topic name or
   *     two topics would share a name
   */
  public static TopicCatalog from(Map<String, String> settings) {
    Map<Topic, String> names = new EnumMap<>(Topic.class);
    Map<String, Topic> seen = new HashMap<>();
    for (Topic topic : Topic.values()) {
      String name = topic.defaultName();
      String source = null;
      for (String key : new String[] {topic.nameSetting(), topic.nameEnvironmentVariable()}) {
        String value = settings.get(key);
        if (value != null && !value.isBlank()) {
          name = value.strip();
          source = key;
        }
      }
      if (!LEGAL.matcher(name).matches() || name.equals(".") || name.equals("..")) {
        throw new IllegalArgumentException(
            source
                + "='"
                + name
                + "' is not a legal Kafka topic name (letters, digits, '.', '_', '-'; at most 249)");
      }
      Topic other = seen.put(name, topic);
      if (other != null) {
        throw new IllegalArgumentException(
            "topics " + other + " and " + topic + " would both be named '" + name + "'");
      }
      names.put(topic, name);
    }
    return new TopicCatalog(names);
  }

  /**
   * Every topic under its default name behind a prefix (tests, benchmarks: topics of their own).
   */
  public static TopicCatalog prefixed(String prefix) {
    Map<String, String> names = new java.util.HashMap<>();
    for (Topic t : Topic.values()) {
      names.put(t.nameSetting(), prefix + t.defaultName());
    }
    return from(names);
  }

  /**
   * Topics no one else uses: {@code unique("inf")} is every topic behind {@code inf-<8 random
   * hex>.} (a test or benchmark run of its own on a shared broker).
   */
  public static TopicCatalog unique(String label) {
    return prefixed(label + "-" + java.util.UUID.randomUUID().toString().substring(0, 8) + ".");
  }

  /** The variables that give this catalog's names, for settings built in code. */
  public Map<String, String> environment() {
    Map<String, String> env = new java.util.TreeMap<>();
    for (Topic topic : Topic.values()) {
      env.put(topic.nameEnvironmentVariable(), name(topic));
    }
    return env;
  }

  public String name(Topic topic) {
    return names.get(topic);
  }

  /** The topic configs it is created with. */
  public Map<String, String> configs(Topic topic) {
    Map<String, String> configs = new HashMap<>();
    configs.put("cleanup.policy", topic.cleanupPolicy());
    configs.put("max.message.bytes", Integer.toString(topic.maxMessageBytes()));
    if (topic.retentionDays() > 0) {
      configs.put("retention.ms", Long.toString(topic.retentionDays() * 24L * 3600 * 1000));
    }
    if (topic == Topic.MODEL_CHECKPOINTS) {
      configs.putAll(TUNING_CHECKPOINTS);
    }
    return configs;
  }

  /**
   * Compaction settings of {@code model.checkpoints}: segments roll every 64 MiB so that the
   * versions the trainer removed (tombstones, see its retention) are actually compacted away and a
   * new inference instance does not read every version ever published; tombstones stay a day for
   * readers that are catching up. An existing topic with other values is only noted.
   */
  public static final Map<String, String> TUNING_CHECKPOINTS =
      Map.of(
          "segment.bytes", Integer.toString(64 << 20),
          "min.cleanable.dirty.ratio", "0.1",
          "delete.retention.ms", Long.toString(24L * 3600 * 1000));

  /**
   * True for a setting that tunes a topic but that no reader depends on: a difference is a note.
   */
  public static boolean tuning(String key) {
    return TUNING_CHECKPOINTS.containsKey(key);
  }

  public Map<Topic, String> names() {
    return names;
  }
}
