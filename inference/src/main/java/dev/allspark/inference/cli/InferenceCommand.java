package dev.allspark.inference.cli;

import dev.allspark.inference.InferenceService;
import dev.allspark.inference.InferenceSettings;
import dev.allspark.ops.ServiceCommand;
import picocli.CommandLine.Command;

/**
 * {@code allspark inference}: runs the segmentation service until Ctrl-C. Every option also comes
 * from its environment variable (see {@code --help}); an option given here wins. Ctrl-C / SIGTERM
 * stops it and holds the JVM until the batch in hand is committed.
 */
@Command(
    name = "inference",
    description = {
      "Segment every frame of camera.frames exactly once, following model.checkpoints."
    })
public final class InferenceCommand extends ServiceCommand<InferenceSettings> {
  public InferenceCommand() {
    super(InferenceSettings.TABLE, InferenceSettings::from, InferenceService::new, 60, 2);
  }
}
