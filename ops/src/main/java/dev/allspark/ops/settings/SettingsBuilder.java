package dev.allspark.ops.settings;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds a service's settings in code (tests, the one-JVM demo, benchmarks) the way a deployment
 * does: as environment-style values, validated by the service's own {@code from(Map)}. So code
 * names each setting it changes, and every other one keeps its documented default.
 *
 * @param <B> the service's builder, for chaining
 * @param <S> the service's settings
 */
public abstract class SettingsBuilder<B extends SettingsBuilder<B, S>, S> {
  private final Map<String, String> values = new LinkedHashMap<>();

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  /** Sets one setting; {@code null} removes it (its default applies). */
  public B set(SettingName key, Object value) {
    if (value == null) {
      values.remove(key.env());
    } else {
      values.put(key.env(), String.valueOf(value));
    }
    return self();
  }

  /** Adds environment-style values as they are (topic names, Kafka client settings). */
  public B putAll(Map<String, String> environment) {
    values.putAll(environment);
    return self();
  }

  /** The values so far. */
  public Map<String, String> values() {
    return new LinkedHashMap<>(values);
  }

  /** Validated settings, or an error naming the setting. */
  public abstract S build();
}
