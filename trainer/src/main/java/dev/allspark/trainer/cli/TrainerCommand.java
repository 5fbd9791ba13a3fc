package dev.allspark.trainer.cli;

import dev.allspark.schemas.ops.ShutdownSignal;
import dev.allspark.trainer.online.OnlineSettings;
import dev.allspark.trainer.online.OnlineSettings.Key;
import dev.allspark.trainer.online.OnlineTrainer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code allspark trainer}: the online trainer service, until Ctrl-C or --minutes. */
@Command(
    name = "trainer",
    mixinStandardHelpOptions = true,
    description = {
      "Train AllSpark continuously on camera.frames and frames.labeled; publish checkpoints",
      "that do not regress to model.checkpoints; resume from --state-dir after a restart.",
      "Every setting also comes from its environment variable, e.g. ALLSPARK_TRAINER_BATCH;",
      "use --set KEY=VALUE for any of them (see the trainer README for the list)."
    })
public final class TrainerCommand implements Callable<Integer> {
  @Option(names = "--bootstrap", description = "Kafka bootstrap servers [ALLSPARK_BOOTSTRAP].")
  String bootstrap;

  @Option(names = "--state-dir", description = "State folder [ALLSPARK_TRAINER_STATE_DIR].")
  String stateDir;

  @Option(names = "--model", description = "b0 or tiny [ALLSPARK_TRAINER_MODEL].")
  String model;

  @Option(names = "--method", description = "allspark or supervised [ALLSPARK_TRAINER_METHOD].")
  String method;

  @Option(names = "--device", description = "auto, cpu or gpu [ALLSPARK_TRAINER_DEVICE].")
  String device;

  @Option(names = "--http-port", description = "/metrics and /health [ALLSPARK_TRAINER_HTTP_PORT].")
  String httpPort;

  @Option(
      names = "--set",
      description = "Any setting by its environment variable: --set ALLSPARK_TRAINER_MARGIN=0.02")
  Map<String, String> set = new HashMap<>();

  @Option(names = "--minutes", description = "Stop after this many minutes.")
  Double minutes;

  Map<String, String> values(Map<String, String> env) {
    Map<String, String> v = new HashMap<>(env);
    for (Map.Entry<String, String> e : set.entrySet()) {
      boolean known =
          e.getKey().startsWith(OnlineSettings.KAFKA_PREFIX)
              || e.getKey().startsWith("ALLSPARK_TOPIC_");
      for (Key k : Key.values()) {
        known |= k.env().equals(e.getKey());
      }
      if (!known) {
        throw new IllegalArgumentException("--set " + e.getKey() + ": not a trainer setting");
      }
      v.put(e.getKey(), e.getValue());
    }
    put(v, Key.BOOTSTRAP, bootstrap);
    put(v, Key.STATE_DIR, stateDir);
    put(v, Key.MODEL, model);
    put(v, Key.METHOD, method);
    put(v, Key.DEVICE, device);
    put(v, Key.HTTP_PORT, httpPort);
    return v;
  }

  private static void put(Map<String, String> v, Key key, String value) {
    if (value != null) {
      v.put(key.env(), value);
    }
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
