package dev.allspark.stack;

import dev.allspark.bridge.cli.LabelingBridgeCommand;
import dev.allspark.inference.cli.InferenceCommand;
import dev.allspark.ingest.cli.IngestCommand;
import dev.allspark.stack.demo.DemoCommand;
import dev.allspark.trainer.cli.BenchCommand;
import dev.allspark.trainer.cli.EvaluateCommand;
import dev.allspark.trainer.cli.TrainCommand;
import dev.allspark.trainer.cli.TrainerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/allspark}: the one command-line entry point of AllSpark Stream. */
@Command(
    name = "allspark",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description =
        "AllSpark Stream: a segmentation model that keeps learning from a fleet's cameras.",
    subcommands = {
      VersionCommand.class,
      TopicsCommand.class,
      DemoCommand.class,
      dev.allspark.stack.chaos.ChaosCommand.class,
      IngestCommand.class,
      LabelingBridgeCommand.class,
      dev.allspark.bridge.cli.LabelersCommand.class,
      TrainerCommand.class,
      InferenceCommand.class,
      TrainCommand.class,
      EvaluateCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class AllSparkCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The command line with the project's error handling: messages, not stack traces. */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new AllSparkCommand());
    // the benchmarks through a broker need one, which only this module can start; each is built
    // as a CommandLine of its own so that its settings table becomes its options (picocli applies
    // a command's model transformer there, not to an object handed to addSubcommand)
    CommandLine bench = cli.getSubcommands().get("bench");
    bench.addSubcommand("inference", new CommandLine(new BenchInferenceCommand()));
    bench.addSubcommand("ingest", new CommandLine(new BenchIngestCommand()));
    bench.addSubcommand("online", new CommandLine(new BenchOnlineCommand()));
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          commandLine.getErr().println("allspark: " + e.getMessage());
          if (Boolean.getBoolean("allspark.debug")) {
            e.printStackTrace(commandLine.getErr());
          }
          return 1;
        });
    return cli;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
