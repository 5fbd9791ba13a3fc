package dev.allspark.stack;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * The subcommands whose services are built by later work items. Each is listed in {@code --help} so
 * the command line's shape is stable, and fails with a clear message (exit 2) when run.
 */
final class PendingCommands {
  private PendingCommands() {}

  abstract static class Pending implements Callable<Integer> {
    @Parameters(hidden = true)
    List<String> ignored;

    @Override
    public Integer call() {
      String name = getClass().getAnnotation(Command.class).name();
      System.err.println(
          "allspark "
              + name
              + ": not available in this build yet (see the project's open issues).");
      return 2;
    }
  }

  @Command(name = "demo", description = "Run the whole loop in one JVM (embedded broker).")
  static final class Demo extends Pending {}
}
