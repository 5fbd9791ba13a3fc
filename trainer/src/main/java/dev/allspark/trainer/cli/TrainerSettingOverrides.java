package dev.allspark.trainer.cli;

import dev.allspark.trainer.online.OnlineSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --set NAME=VALUE} (repeatable): any online-trainer setting by its environment variable,
 * topic names and Kafka client settings too, for {@code trainer} and {@code bench online}. A name
 * that is none of these is refused, naming it, rather than ignored.
 */
public final class TrainerSettingOverrides {
  @Option(
      names = "--set",
      paramLabel = "NAME=VALUE",
      description =
          "Any trainer setting by its environment variable (repeatable), topic names and Kafka"
              + " client settings too: --set ALLSPARK_TRAINER_OPTIMIZER=adamw,"
              + " --set ALLSPARK_KAFKA_SECURITY_PROTOCOL=SASL_SSL")
  Map<String, String> set = new LinkedHashMap<>();

  /** {@code values} with the overrides on top; an unknown name is an error that names it. */
  public Map<String, String> over(Map<String, String> values) {
    Map<String, String> v = new LinkedHashMap<>(values);
    for (Map.Entry<String, String> e : set.entrySet()) {
      boolean known =
          e.getKey().startsWith(OnlineSettings.KAFKA_PREFIX)
              || e.getKey().startsWith("ALLSPARK_TOPIC_")
              || OnlineSettings.TABLE.byEnv(e.getKey()) != null;
      if (!known) {
        throw new IllegalArgumentException("--set " + e.getKey() + ": not a trainer setting");
      }
      v.put(e.getKey(), e.getValue());
    }
    return v;
  }
}
