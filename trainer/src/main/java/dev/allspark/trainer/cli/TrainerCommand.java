package dev.allspark.trainer.cli;

import dev.allspark.ops.ServiceCommand;
import dev.allspark.trainer.online.OnlineSettings;
import dev.allspark.trainer.online.OnlineTrainer;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code allspark trainer}: the online trainer service, until Ctrl-C, {@code --minutes} or {@code
 * --max-steps}. Ctrl-C / SIGTERM stops it and holds the JVM until the state is saved.
 */
@Command(
    name = "trainer",
    description =
        "Train AllSpark continuously on camera.frames and frames.labeled; publish checkpoints"
            + " that do not regress to model.checkpoints; resume from --state-dir after a restart.")
public final class TrainerCommand extends ServiceCommand<OnlineSettings> {
  public TrainerCommand() {
    super(OnlineSettings.TABLE, OnlineSettings::from, OnlineTrainer::new, 120, 5);
  }

  @Mixin TrainerSettingOverrides overrides = new TrainerSettingOverrides();

  /** The values in force: the environment, then {@code --set}, then the options given here. */
  @Override
  protected Map<String, String> values(Map<String, String> env) {
    return super.values(overrides.over(env));
  }
}
