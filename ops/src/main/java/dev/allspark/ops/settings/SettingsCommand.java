package dev.allspark.ops.settings;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command whose options are a settings table: one {@code --flag VALUE} per setting, each also
 * from its environment variable (the flag wins), described in {@code --help} with its variable and
 * default, read with {@link #settingValues()} so that every error names the option. Every {@code
 * allspark} command with options is one (the services through {@code ServiceCommand}); a subclass
 * names itself and its description in its own {@code @Command}, and the attributes here are
 * inherited.
 */
@Command(
    mixinStandardHelpOptions = true,
    modelTransformer = SettingOptions.Transformer.class,
    sortOptions = false,
    footer =
        "Every option can also be set by the environment variable in brackets; an option given here wins.")
public abstract class SettingsCommand implements Callable<Integer>, SettingOptions.Command {
  @Spec protected CommandSpec spec;

  private final SettingTable table;

  protected SettingsCommand(SettingTable table) {
    this.table = table;
  }

  @Override
  public final SettingTable settings() {
    return table;
  }

  /** The values in force: the environment, then the options given on the command line. */
  protected Map<String, String> values(Map<String, String> env) {
    return SettingOptions.values(spec, table, env);
  }

  /** The values in force, read as typed settings. */
  protected SettingValues settingValues() {
    return new SettingValues(values(System.getenv()));
  }
}
