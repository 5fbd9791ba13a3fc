package dev.allspark.inference.cli;

import dev.allspark.inference.InferenceService;
import dev.allspark.inference.InferenceSettings;
import dev.allspark.ops.ShutdownSignal;
import dev.allspark.ops.settings.SettingOptions;
import dev.allspark.ops.settings.SettingTable;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code allspark inference}: runs the segmentation service until Ctrl-C. Every option also comes
 * from its environment variable (see {@code --help}); an option given here wins.
 */
@Command(
    name = "inference",
    mixinStandardHelpOptions = true,
    modelTransformer = SettingOptions.Transformer.class,
    sortOptions = false,
    description = {
      "Segment every frame of camera.frames exactly once, following model.checkpoints.",
      "Each option can also be set by the environment variable in brackets."
    })
public final class InferenceCommand implements Callable<Integer>, SettingOptions.Command {
  @Override
  public SettingTable settings() {
    return InferenceSettings.TABLE;
  }

  @Spec CommandSpec spec;

  @Option(
      names = "--minutes",
      description = "Stop after this many minutes (default: run until Ctrl-C).")
  Double minutes;

  /** The values in force: the environment, then the options given here. */
  Map<String, String> values(Map<String, String> env) {
    return SettingOptions.values(spec, InferenceSettings.TABLE, env);
  }

  @Override
  public Integer call() throws Exception {
    InferenceSettings settings = InferenceSettings.from(values(System.getenv()));
    // Ctrl-C / SIGTERM: stop, and hold the JVM until the batch in hand is committed
    ShutdownSignal stop = ShutdownSignal.register("inference", Duration.ofSeconds(60));
    try (InferenceService service = new InferenceService(settings)) {
      service.start();
      System.err.printf(
          "inference: %s, model %s, http://localhost:%d/health and /metrics%n",
          settings.bootstrap(),
          settings.modelVersion().isPresent()
              ? "pinned to " + settings.modelVersion().getAsLong()
              : "latest",
          service.httpPort());
      long deadline =
          minutes == null ? Long.MAX_VALUE : System.nanoTime() + (long) (minutes * 60e9);
      String last = "";
      while (System.nanoTime() < deadline
          && !stop.await(2, java.util.concurrent.TimeUnit.SECONDS)) {
        String status = service.health().status();
        String line = String.format("%s | %.0f frames", status, service.framesProcessed());
        if (!line.equals(last)) {
          System.err.println(line);
          last = line;
        }
      }
    } finally {
      stop.closed();
    }
    return 0;
  }
}
