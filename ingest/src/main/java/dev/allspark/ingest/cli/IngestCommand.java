package dev.allspark.ingest.cli;

import dev.allspark.ingest.IngestService;
import dev.allspark.ingest.IngestSettings;
import dev.allspark.ops.ServiceCommand;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code allspark ingest}: frames from a source into camera.frames. */
@Command(
    name = "ingest",
    description = {
      "Send frames to camera.frames: the synthetic fleet, a folder replay (CamVid or",
      "Cityscapes layout) or HTTP push (POST /frames).",
      "Each option can also be set by the environment variable in brackets."
    })
public final class IngestCommand extends ServiceCommand {
  public IngestCommand() {
    super(IngestSettings.TABLE);
  }

  /** The service's settings: the environment, then the options given here. */
  IngestSettings settings(Map<String, String> env) {
    return IngestSettings.from(values(env));
  }

  @Override
  public Integer call() throws Exception {
    IngestSettings s = settings(System.getenv());
    // Ctrl-C / SIGTERM: stop, and hold the JVM until the producer has flushed
    return serve(
        "ingest",
        Duration.ofSeconds(30),
        Duration.ofSeconds(10),
        () -> {
          IngestService service = new IngestService(s, System.err).start();
          // a folder or synthetic run ends on its own (--max-frames, no --loop)
          return Running.of(
                  service,
                  service.status() + " into " + s.bootstrap(),
                  () -> service.status() + " | " + service.framesSent() + " frames sent")
              .endingWhen(service::finished, () -> service.status().startsWith("failed") ? 1 : 0);
        });
  }
}
