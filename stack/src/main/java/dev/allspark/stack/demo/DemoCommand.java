package dev.allspark.stack.demo;

import dev.allspark.ops.ShutdownSignal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code allspark demo}: the whole loop in one JVM, with a live status line and a dashboard. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run the whole loop in one JVM, with a live status line and a dashboard.",
      "An in-JVM Kafka broker: a synthetic fleet (or a CamVid",
      "replay) streams frames, inference segments them and asks for labels, simulated labelers",
      "answer through the labeling bridge, the trainer learns and publishes checkpoints, and",
      "inference swaps to them. Prints a status line and the dashboard's URL."
    })
public final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--minutes",
      defaultValue = "0",
      description = "Stop after this many minutes (default: run until Ctrl-C).")
  double minutes;

  @Option(
      names = "--camvid",
      description =
          "Replay this CamVid image folder (e.g. ../shared/datasets/camvid/train) instead of the"
              + " synthetic fleet; <folder>annot holds the labelers' ground truth.")
  Path camvid;

  @Option(
      names = "--cityscapes",
      paramLabel = "DIR",
      description =
          "Replay a Cityscapes leftImg8bit/<split> folder (<city>/<city>_<seq>_<frame>_leftImg8bit.png)"
              + " with Cityscapes' 19 classes; the labelers' ground truth is gtFine/<split>'s"
              + " *_gtFine_labelIds.png, mapped to train ids.")
  Path cityscapes;

  @Option(
      names = "--cameras",
      defaultValue = "2",
      description = "Synthetic cameras (default: ${DEFAULT-VALUE}).")
  int cameras;

  @Option(
      names = "--fps",
      defaultValue = "2",
      description = "Frames per second per camera (default: ${DEFAULT-VALUE}).")
  double fps;

  @Option(
      names = "--size",
      defaultValue = "320x240",
      description = "Synthetic frame size (default: ${DEFAULT-VALUE}).")
  String size;

  @Option(
      names = "--model-size",
      defaultValue = "160x120",
      description = "Size the trainer and inference resize frames to (default: ${DEFAULT-VALUE}).")
  String modelSize;

  @Option(
      names = "--model",
      defaultValue = "tiny",
      description = "tiny or b0 (default: ${DEFAULT-VALUE}: fast enough for a laptop CPU).")
  String model;

  @Option(
      names = "--label-delay",
      defaultValue = "2",
      description = "Seconds the simulated labelers take per mask (default: ${DEFAULT-VALUE}).")
  double labelDelay;

  @Option(
      names = "--label-fraction",
      defaultValue = "0.15",
      description = "Fraction of frames sent for labeling (default: ${DEFAULT-VALUE}).")
  double labelFraction;

  @Option(
      names = "--eval-every",
      defaultValue = "40",
      description = "Trainer steps between validations (default: ${DEFAULT-VALUE}).")
  int evalEvery;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Dashboard port, 0 = any free port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--state-dir", description = "Where the trainer and bridge keep state.")
  Path stateDir;

  @Override
  public Integer call() throws Exception {
    if (!model.equals("tiny") && !model.equals("b0")) {
      throw new IllegalArgumentException("--model must be tiny or b0, got " + model);
    }
    for (String[] opt : new String[][] {{"--size", size}, {"--model-size", modelSize}}) {
      if (!opt[1].matches("\\d+x\\d+")) {
        throw new IllegalArgumentException(opt[0] + " " + opt[1] + ": expected WIDTHxHEIGHT");
      }
    }
    Path state = stateDir != null ? stateDir : Files.createTempDirectory("allspark-demo-");
    if (System.getenv("ALLSPARK_HTTP_BIND") == null
        && System.getProperty("allspark.http.bind") == null) {
      // the demo's pages and APIs are for this machine only, unless asked otherwise
      System.setProperty("allspark.http.bind", "127.0.0.1");
    }
    // Ctrl-C: stop, and hold the JVM until every service and the broker are closed
    ShutdownSignal stop = ShutdownSignal.register("demo", Duration.ofSeconds(120));
    System.err.println("demo: starting a Kafka broker and every service in this JVM ...");
    try (LocalStack stack =
        new LocalStack(
            LocalStack.Settings.builder(state)
                .camvid(camvid)
                .cityscapes(cityscapes)
                .fleet(cameras, fps, size)
                .model(model, modelSize)
                .labelers(Math.round(labelDelay * 1000), labelFraction)
                .training(8, evalEvery)
                .dashboardPort(port)
                .build())) {
      System.err.printf(
          "demo: dashboard on http://localhost:%d/  labeling page on http://localhost:%d/"
              + " (your token: %s)  Kafka on %s  state in %s%n",
          stack.dashboardPort(),
          stack.bridgePort(),
          stack.labelerToken(),
          stack.bootstrap(),
          state);
      System.err.println("demo: metrics " + stack.metricsUrls());
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
