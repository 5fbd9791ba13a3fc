package dev.allspark.inference.cli;

import dev.allspark.inference.InferenceService;
import dev.allspark.inference.InferenceSettings;
import dev.allspark.ops.ServiceCommand;
import picocli.CommandLine.Command;

/**
 * {@code allspark inference}: runs the segmentation service until Ctrl-C. Every option also comes
 * from its environment variable (see {@code --help}); an option given here wins.
 */
@Command(
    name = "inference",
    description = {
      "Segment every frame of camera.frames exactly once, following model.checkpoints."
    })
public final class InferenceCommand extends ServiceCommand<InferenceSettings> {
  public InferenceCommand() {
    super(InferenceSettings.TABLE, InferenceSettings::from, 60, 2);
  }

  @Override
  protected Running start(InferenceSettings settings) throws Exception {
    // Ctrl-C / SIGTERM: stop, and hold the JVM until the batch in hand is committed
    InferenceService service = new InferenceService(settings);
    service.start();
    return Running.of(
        service,
        String.format(
            "%s, model %s, http://localhost:%d/health and /metrics",
            settings.bootstrap(),
            settings.modelVersion().isPresent()
                ? "pinned to " + settings.modelVersion().getAsLong()
                : "latest",
            service.httpPort()),
        () ->
            String.format(
                "%s | %.0f frames", service.health().status(), service.framesProcessed()));
  }
}
