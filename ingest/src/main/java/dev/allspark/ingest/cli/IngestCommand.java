package dev.allspark.ingest.cli;

import dev.allspark.ingest.IngestService;
import dev.allspark.ingest.IngestSettings;
import dev.allspark.ops.ServiceCommand;
import picocli.CommandLine.Command;

/** {@code allspark ingest}: frames from a source into camera.frames. */
@Command(
    name = "ingest",
    description = {
      "Send frames to camera.frames: the synthetic fleet, a folder replay (CamVid or",
      "Cityscapes layout) or HTTP push (POST /frames)."
    })
public final class IngestCommand extends ServiceCommand<IngestSettings> {
  public IngestCommand() {
    super(IngestSettings.TABLE, IngestSettings::from, 30, 10);
  }

  @Override
  protected Running start(IngestSettings s) throws Exception {
    // Ctrl-C / SIGTERM: stop, and hold the JVM until the producer has flushed
    IngestService service = new IngestService(s, System.err).start();
    // a folder or synthetic run ends on its own (--max-frames, no --loop)
    return Running.of(
            service,
            service.status() + " into " + s.bootstrap(),
            () -> service.status() + " | " + service.framesSent() + " frames sent")
        .endingWhen(service::finished, () -> service.status().startsWith("failed") ? 1 : 0);
  }
}
