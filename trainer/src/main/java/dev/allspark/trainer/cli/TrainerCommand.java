package dev.allspark.trainer.cli;

import dev.allspark.ops.ServiceCommand;
import dev.allspark.trainer.online.OnlineSettings;
import dev.allspark.trainer.online.OnlineTrainer;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

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

  @Mixin TrainerSettingOverrides overrides = new TrainerSettingOverrides();

  /** The values in force: the environment, then {@code --set}, then the options given here. */
  @Override
  protected Map<String, String> values(Map<String, String> env) {
    return super.values(overrides.over(env));
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
