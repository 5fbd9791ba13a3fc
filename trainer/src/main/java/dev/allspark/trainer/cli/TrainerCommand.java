package dev.allspark.trainer.cli;

import dev.allspark.ops.ShutdownSignal;
import dev.allspark.ops.settings.SettingOptions;
import dev.allspark.ops.settings.SettingTable;
import dev.allspark.trainer.online.OnlineSettings;
import dev.allspark.trainer.online.OnlineTrainer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code allspark trainer}: the online trainer service, until Ctrl-C or --minutes. */
@Command(
    name = "trainer",
    mixinStandardHelpOptions = true,
    modelTransformer = SettingOptions.Transformer.class,
    sortOptions = false,
    description = {
      "Train AllSpark continuously on camera.frames and frames.labeled; publish checkpoints",
      "that do not regress to model.checkpoints; resume from --state-dir after a restart.",
      "Every option also comes from the environment variable in brackets; an option given",
      "here wins."
    })
public final class TrainerCommand implements Callable<Integer>, SettingOptions.Command {
  @Override
  public SettingTable settings() {
    return OnlineSettings.TABLE;
  }

  @Spec CommandSpec spec;

  @Option(
      names = "--set",
      description =
          "Any setting by its environment variable, topic names and Kafka client settings too:"
              + " --set ALLSPARK_KAFKA_SECURITY_PROTOCOL=SASL_SSL")
  Map<String, String> set = new HashMap<>();

  @Option(names = "--minutes", description = "Stop after this many minutes.")
  Double minutes;

  /** The values in force: the environment, then {@code --set}, then the options given here. */
  Map<String, String> values(Map<String, String> env) {
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
    return SettingOptions.values(spec, OnlineSettings.TABLE, v);
  }

  @Override
  public Integer call() throws Exception {
    OnlineSettings settings = OnlineSettings.from(values(System.getenv()));
    // Ctrl-C / SIGTERM: stop, and hold the JVM until the state is saved
    ShutdownSignal stop = ShutdownSignal.register("trainer", Duration.ofSeconds(120));
    try (OnlineTrainer trainer = new OnlineTrainer(settings).start()) {
      System.err.printf(
          "trainer: %s, state in %s, http://localhost:%d/health and /metrics%n",
          settings.bootstrap(), settings.stateDir(), trainer.httpPort());
      long deadline =
          minutes == null ? Long.MAX_VALUE : System.nanoTime() + (long) (minutes * 60e9);
      String last = "";
      while (System.nanoTime() < deadline && !stop.await(5, TimeUnit.SECONDS)) {
        String line = trainer.status() + " | published version " + trainer.publishedVersion();
        if (!line.equals(last)) {
          System.err.println(line);
          last = line;
        }
        if (trainer.status().startsWith("failed") || trainer.status().startsWith("stopped")) {
          break;
        }
      }
      return trainer.status().startsWith("failed") ? 1 : 0;
    } finally {
      stop.closed();
    }
  }
}
