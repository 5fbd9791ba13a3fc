package dev.allspark.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code allspark version}: this build's version and the versions it runs on. */
@Command(name = "version", description = "Print the version of AllSpark Stream and its engines.")
final class VersionCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    for (String line : lines()) {
      spec.commandLine().getOut().println(line);
    }
  }

  static String[] lines() {
    Properties p = new Properties();
    try (InputStream in =
        VersionCommand.class.getClassLoader().getResourceAsStream("allspark-version.properties")) {
      if (in == null) {
        throw new IllegalStateException("allspark-version.properties is missing from the build");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new String[] {
      "AllSpark Stream " + p.getProperty("version"),
      "Kafka clients " + p.getProperty("kafka"),
      "DJL " + p.getProperty("djl") + " (PyTorch " + p.getProperty("pytorch") + ")",
      "Java " + Runtime.version()
    };
  }

  /** Serves {@code allspark --version}. */
  static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return lines();
    }
  }
}
