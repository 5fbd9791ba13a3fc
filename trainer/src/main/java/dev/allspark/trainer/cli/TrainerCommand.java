package dev.allspark.trainer.cli;

import dev.allspark.ops.ServiceCommand;
import dev.allspark.trainer.online.OnlineSettings;
import dev.allspark.trainer.online.OnlineTrainer;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code allspark trainer}: the online trainer service, until Ctrl-C or --minutes. */
@Command(
    name = "trainer",
    description = {
      "Train AllSpark continuously on camera.frames and frames.labeled; publish checkpoints",
      "that do not regress to model.checkpoints; resume from --state-dir after a restart."
    })
public final class TrainerCommand extends ServiceCommand<OnlineSettings> {
  public TrainerCommand() {
    super(OnlineSettings.TABLE, OnlineSettings::from, 120, 5);
  }

  @Option(
      names = "--set",
      description =
          "Any setting by its environment variable, topic names and Kafka client settings too:"
              + " --set ALLSPARK_KAFKA_SECURITY_PROTOCOL=SASL_SSL")
  Map<String, String> set = new HashMap<>();

  /** The values in force: the environment, then {@code --set}, then the options given here. */
  @Override
  protected Map<String, String> values(Map<String, String> env) {
    Map<String, String> v = new HashMap<>(env);
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
    return super.values(v);
  }

  @Override
  protected Running start(OnlineSettings settings) throws Exception {
    // Ctrl-C / SIGTERM: stop, and hold the JVM until the state is saved
    OnlineTrainer trainer = new OnlineTrainer(settings).start();
    return Running.of(
            trainer,
            String.format(
                "%s, state in %s, http://localhost:%d/health and /metrics",
                settings.bootstrap(), settings.stateDir(), trainer.httpPort()),
            () -> trainer.status() + " | published version " + trainer.publishedVersion())
        .endingWhen(
            () -> trainer.status().startsWith("failed") || trainer.status().startsWith("stopped"),
            () -> trainer.status().startsWith("failed") ? 1 : 0);
  }
}
