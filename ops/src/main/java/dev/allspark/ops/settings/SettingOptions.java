package dev.allspark.ops.settings;

import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A service's settings table as its command's options: one {@code --flag VALUE} per key, described
 * from the table with its environment variable and default, so {@code --help} cannot drift from the
 * settings. A command adds them from a picocli model transformer and reads them with {@link
 * #values}.
 */
public final class SettingOptions {
  private SettingOptions() {}

  /** A command whose options are a service's settings table. */
  public interface Command {
    SettingTable settings();
  }

  /**
   * The picocli model transformer of every such command ({@code @Command(modelTransformer =
   * SettingOptions.Transformer.class)}): one option per setting of the command's table.
   */
  public static final class Transformer implements picocli.CommandLine.IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      if (!(spec.userObject() instanceof Command command)) {
        throw new IllegalStateException(
            spec.name() + ": a settings command implements SettingOptions.Command");
      }
      return addTo(spec, command.settings());
    }
  }

  /** Adds one string option per key to the command. */
  public static CommandSpec addTo(CommandSpec spec, SettingTable table) {
    for (SettingKey k : table.keys()) {
      String def = k.defaultValue() == null || k.defaultValue().isEmpty() ? "" : k.defaultValue();
      OptionSpec.Builder option =
          OptionSpec.builder(k.flag())
              .type(String.class)
              .paramLabel("VALUE")
              .description(
                  k.doc()
                      + " ["
                      + k.env()
                      + "]"
                      + (def.isEmpty() ? "" : " (default: " + def + ")"));
      if (def.equals("true") || def.equals("false")) {
        // a switch: --loop alone means true, --loop false says it
        option.arity("0..1").fallbackValue("true").paramLabel("true|false");
      }
      spec.addOption(option.build());
    }
    return spec;
  }

  /** The values in force: the environment, then the options given on the command line. */
  public static Map<String, String> values(
      CommandSpec spec, SettingTable table, Map<String, String> env) {
    Map<String, String> v = new HashMap<>(env);
    for (SettingKey k : table.keys()) {
      OptionSpec option = spec.findOption(k.flag());
      if (option != null && option.getValue() != null) {
        v.put(k.env(), option.getValue());
      }
    }
    return v;
  }
}
