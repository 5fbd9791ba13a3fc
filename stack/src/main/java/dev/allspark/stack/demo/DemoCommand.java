package dev.allspark.stack.demo;

import dev.allspark.ops.ShutdownSignal;
import dev.allspark.ops.settings.SettingsCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;

/** {@code allspark demo}: the whole loop in one JVM, with a live status line and a dashboard. */
@Command(
    name = "demo",
    description = {
      "Run the whole loop in one JVM, with a live status line and a dashboard.",
      "An in-JVM Kafka broker: a synthetic fleet (or a CamVid",
      "replay) streams frames, inference segments them and asks for labels, simulated labelers",
      "answer through the labeling bridge, the trainer learns and publishes checkpoints, and",
      "inference swaps to them. Prints a status line and the dashboard's URL."
    })
public final class DemoCommand extends SettingsCommand {
  public DemoCommand() {
    super(DemoSettings.TABLE);
  }

  @Override
  public Integer call() throws Exception {
    Map<String, String> values = values(System.getenv());
    String stateDir = DemoSettings.Key.STATE_DIR.env();
    if (values.get(stateDir) == null || values.get(stateDir).isBlank()) {
      values.put(stateDir, Files.createTempDirectory("allspark-demo-").toString());
    }
    DemoSettings settings = DemoSettings.from(values);
    Path state = settings.stateDir();
    if (System.getenv("ALLSPARK_HTTP_BIND") == null
        && System.getProperty("allspark.http.bind") == null) {
      // the demo's pages and APIs are for this machine only, unless asked otherwise
      System.setProperty("allspark.http.bind", "127.0.0.1");
    }
    // Ctrl-C: stop, and hold the JVM until every service and the broker are closed
    ShutdownSignal stop = ShutdownSignal.register("demo", Duration.ofSeconds(120));
    System.err.println("demo: starting a Kafka broker and every service in this JVM ...");
    try (LocalStack stack = new LocalStack(settings)) {
      System.err.printf(
          "demo: dashboard on http://localhost:%d/  labeling page on http://localhost:%d/"
              + " (your token: %s)  Kafka on %s  state in %s%n",
          stack.dashboardPort(),
          stack.bridgePort(),
          stack.labelerToken(),
          stack.bootstrap(),
          state);
      System.err.println("demo: metrics " + stack.metricsUrls());
      double minutes = settings.minutes();
      long end = minutes > 0 ? System.nanoTime() + (long) (minutes * 60e9) : Long.MAX_VALUE;
      while (!stop.await(5, TimeUnit.SECONDS)) {
        System.err.println("demo: " + stack.status().line());
        if (System.nanoTime() >= end) {
          break;
        }
      }
      System.err.println("demo: shutting down ...");
      StackStatus last = stack.status();
      System.err.println("demo: " + last.line());
    } finally {
      stop.closed();
    }
    System.err.println("demo: stopped cleanly");
    return 0;
  }
}
