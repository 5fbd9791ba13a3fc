package dev.allspark.bridge.cli;

import dev.allspark.bridge.Labelers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code allspark labelers add|revoke|list}: the labeling bridge's per-labeler tokens file. The
 * file keeps only hashes; {@code add} prints the new token once. The bridge re-reads the file when
 * it changes, so {@code revoke} takes effect without a restart. Edits replace the file atomically
 * (a rename), so the bridge never reads half a file.
 */
@Command(
    name = "labelers",
    mixinStandardHelpOptions = true,
    description = "Add, revoke and list the labeling bridge's per-labeler tokens (hashed at rest).",
    subcommands = {
      LabelersCommand.Add.class,
      LabelersCommand.Revoke.class,
      LabelersCommand.ListNames.class
    })
public final class LabelersCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  abstract static class OnFile implements Callable<Integer> {
    @Option(
        names = "--file",
        required = true,
        description = "the labelers file (the bridge's --labelers-file)")
    Path file;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    List<String> lines() throws IOException {
      return Files.exists(file)
          ? new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8))
          : new ArrayList<>(
              List.of("# labeling bridge tokens: sha256 of the token, name, optional role"));
    }

    void write(List<String> lines) throws IOException {
      Path dir = file.toAbsolutePath().getParent();
      Path tmp = Files.createTempFile(dir, ".labelers", ".tmp");
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: the file keeps the directory's default permissions
      }
      Files.write(tmp, lines, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  @Command(name = "add", description = "Add a labeler; prints their new token once.")
  static final class Add extends OnFile {
    @Option(names = "--name", required = true, description = "the labeler's name")
    String name;

    @Option(names = "--reviewer", description = "may accept and reject masks where review is on")
    boolean reviewer;

    @Override
    public Integer call() throws IOException {
      List<String> lines = lines();
      for (String l : lines) {
        if (name.equals(Labelers.nameOf(l))) {
          spec.commandLine()
              .getErr()
              .println("allspark: " + name + " is already in " + file + "; revoke it first");
          return 1;
        }
      }
      String token = Labelers.newToken();
      lines.add(Labelers.line(token, name, reviewer));
      write(lines);
      spec.commandLine().getOut().println(token);
      spec.commandLine()
          .getErr()
          .println(
              "added "
                  + name
                  + (reviewer ? " (reviewer)" : "")
                  + " to "
                  + file
                  + "; the token above is shown only now");
      return 0;
    }
  }

  @Command(name = "revoke", description = "Remove a labeler's token (the bridge stops taking it).")
  static final class Revoke extends OnFile {
    @Option(names = "--name", required = true, description = "the labeler's name")
    String name;

    @Override
    public Integer call() throws IOException {
      List<String> lines = lines();
      boolean removed = lines.removeIf(l -> name.equals(Labelers.nameOf(l)));
      if (!removed) {
        spec.commandLine().getErr().println("allspark: " + name + " is not in " + file);
        return 1;
      }
      write(lines);
      spec.commandLine().getErr().println("revoked " + name + " in " + file);
      return 0;
    }
  }

  @Command(name = "list", description = "List the labelers' names and roles.")
  static final class ListNames extends OnFile {
    @Override
    public Integer call() {
      Labelers.names(file).forEach(spec.commandLine().getOut()::println);
      return 0;
    }
  }
}
