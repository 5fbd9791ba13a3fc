package dev.allspark.schemas.kafka;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Kafka client settings from the environment, the same for every service: {@code
 * ALLSPARK_KAFKA_SECURITY_PROTOCOL=SASL_SSL} becomes {@code security.protocol=SASL_SSL}. This is
 * how containers pass SASL/TLS and tuning settings without a properties file.
 */
public final class KafkaOverrides {
  /** The variable prefix. */
  public static final String PREFIX = "ALLSPARK_KAFKA_";

  private KafkaOverrides() {}

  /** The client settings among {@code variables} (lower case, underscores to dots). */
  public static Map<String, String> from(Map<String, String> variables) {
    Map<String, String> kafka = new TreeMap<>();
    variables.forEach(
        (k, v) -> {
          if (k.startsWith(PREFIX) && k.length() > PREFIX.length() && v != null) {
            kafka.put(k.substring(PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), v);
          }
        });
    return kafka;
  }

  /**
   * The variables that give these client settings ({@code security.protocol} as {@code
   * ALLSPARK_KAFKA_SECURITY_PROTOCOL}).
   */
  public static Map<String, String> environment(Map<String, ?> clientSettings) {
    Map<String, String> env = new TreeMap<>();
    clientSettings.forEach(
        (k, v) ->
            env.put(PREFIX + k.toUpperCase(Locale.ROOT).replace('.', '_'), String.valueOf(v)));
    return env;
  }
}
