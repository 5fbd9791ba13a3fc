package dev.allspark.ingest.cli;

import dev.allspark.ingest.IngestService;
import dev.allspark.ingest.IngestSettings;
import dev.allspark.ops.ServiceCommand;
import picocli.CommandLine.Command;

/**
 * {@code allspark ingest}: frames from a source into camera.frames. Ctrl-C / SIGTERM stops it and
 * holds the JVM until the producer has flushed; a folder or synthetic run ends on its own ({@code
 * --max-frames}, no {@code --loop}).
 */
@Command(
    name = "ingest",
    description = {
      "Send frames to camera.frames: the synthetic fleet, a folder replay (CamVid or",
      "Cityscapes layout) or HTTP push (POST /frames)."
    })
public final class IngestCommand extends ServiceCommand<IngestSettings> {
  public IngestCommand() {
    super(IngestSettings.TABLE, IngestSettings::from, IngestService::new, 30, 10);
  }
}
