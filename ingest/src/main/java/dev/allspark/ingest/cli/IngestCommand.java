package dev.allspark.ingest.cli;

import dev.allspark.ingest.IngestService;
import dev.allspark.ingest.IngestSettings;
import dev.allspark.ops.ShutdownSignal;
import dev.allspark.ops.settings.SettingOptions;
import dev.allspark.ops.settings.SettingTable;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code allspark ingest}: frames from a source into camera.frames. */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    modelTransformer = SettingOptions.Transformer.class,
    sortOptions = false,
    description = {
      "Send frames to camera.frames: the synthetic fleet, a folder replay (CamVid or",
      "Cityscapes layout) or HTTP push (POST /frames).",
      "Each option can also be set by the environment variable in brackets."
    })
public final class IngestCommand implements Callable<Integer>, SettingOptions.Command {
  @Override
  public SettingTable settings() {
    return IngestSettings.TABLE;
  }

  @Spec CommandSpec spec;

  /** The service's settings: the environment, then the options given here. */
  IngestSettings settings(Map<String, String> env) {
    return IngestSettings.from(SettingOptions.values(spec, IngestSettings.TABLE, env));
  }

  @Override
  public Integer call() throws Exception {
    IngestSettings s = settings(System.getenv());
    // Ctrl-C / SIGTERM: stop, and hold the JVM until the producer has flushed
    ShutdownSignal stop = ShutdownSignal.register("ingest", Duration.ofSeconds(30));
    try (IngestService service = new IngestService(s, System.err).start()) {
      System.err.printf("ingest: %s into %s%n", service.status(), s.bootstrap());
      Thread waiter =
          new Thread(
              () -> {
                try {
                  if (s.source() != IngestService.Source.HTTP) {
                    service.awaitFinished();
                    stop.stop();
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      waiter.setDaemon(true);
      waiter.start();
      while (!stop.await(10, TimeUnit.SECONDS)) {
        System.err.printf("ingest: %s | %d frames sent%n", service.status(), service.framesSent());
      }
      System.err.printf("ingest: %d frames sent (%s)%n", service.framesSent(), service.status());
      return service.status().startsWith("failed") ? 1 : 0;
    } finally {
      stop.closed();
    }
  }
}
