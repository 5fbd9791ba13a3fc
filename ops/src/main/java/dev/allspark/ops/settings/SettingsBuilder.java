package dev.allspark.ops.settings;

import dev.allspark.schemas.kafka.KafkaOverrides;
import dev.allspark.schemas.kafka.TopicCatalog;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds a service's settings in code (tests, the one-JVM demo, benchmarks) the way a deployment
 * does: as environment-style values, validated by the service's own {@code from(Map)}. So code
 * names each setting it changes, and every other one keeps its documented default. Each service's
 * {@code builder(...)} returns one: {@code InferenceSettings.builder(b).set(Key.GROUP,
 * "g").build()}.
 *
 * @param <S> the service's settings
 */
public final class SettingsBuilder<S> {
  private final Map<String, String> values = new LinkedHashMap<>();
  private final Function<Map<String, String>, S> parse;

  /**
   * @param parse the service's validated settings from environment-style values
   */
  public SettingsBuilder(Function<Map<String, String>, S> parse) {
    this.parse = parse;
  }

  /** Sets one setting; {@code null} removes it (its default applies). */
  public SettingsBuilder<S> set(SettingName key, Object value) {
    if (value == null) {
      values.remove(key.env());
    } else {
      values.put(key.env(), String.valueOf(value));
    }
    return this;
  }

  /** Adds environment-style values as they are. */
  public SettingsBuilder<S> putAll(Map<String, String> environment) {
    values.putAll(environment);
    return this;
  }

  /** Every topic's name from {@code topics} ({@code ALLSPARK_TOPIC_*}). */
  public SettingsBuilder<S> topics(TopicCatalog topics) {
    return putAll(topics.environment());
  }

  /** Kafka client settings (security, timeouts) as {@code ALLSPARK_KAFKA_*} overrides. */
  public SettingsBuilder<S> kafka(Map<String, ?> clientSettings) {
    return putAll(KafkaOverrides.environment(clientSettings));
  }

  /** The values so far. */
  public Map<String, String> values() {
    return new LinkedHashMap<>(values);
  }

  /** Validated settings, or an error naming the setting. */
  public S build() {
    return parse.apply(values());
  }
}
