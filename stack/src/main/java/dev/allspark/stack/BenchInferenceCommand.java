package dev.allspark.stack;

import dev.allspark.inference.InferenceBenchmark;
import dev.allspark.testkit.EmbeddedKafka;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code allspark bench inference}: the inference service through a broker, as JSON. */
@Command(
    name = "inference",
    mixinStandardHelpOptions = true,
    description = {
      "Inference service through a real broker (the in-JVM one unless --bootstrap is given):",
      "model-only frames/s beside frames/s through Kafka, end-to-end latency p50/p99 under a",
      "steady stream, and swap pauses over checkpoint swaps under that load. Prints JSON."
    })
public final class BenchInferenceCommand implements Callable<Integer> {
  @Option(
      names = "--bootstrap",
      description = "An existing broker (default: start one in this JVM).")
  String bootstrap;

  @Option(
      names = "--checkpoint",
      description = "Checkpoint to serve first (default: the b0 model with random weights).")
  Path checkpoint;

  @Option(
      names = "--size",
      defaultValue = "480x360",
      description = "Frame size (default: ${DEFAULT-VALUE}).")
  String size;

  @Option(
      names = "--max-batch",
      defaultValue = "8",
      description = "Micro-batch (default: ${DEFAULT-VALUE}).")
  int maxBatch;

  @Option(
      names = "--frames",
      defaultValue = "200",
      description = "Burst frames (default: ${DEFAULT-VALUE}).")
  int frames;

  @Option(
      names = "--seconds",
      defaultValue = "60",
      description = "Length of the steady stream (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(
      names = "--load",
      defaultValue = "0.6",
      description = "Steady rate as a fraction of the burst rate (default: ${DEFAULT-VALUE}).")
  double load;

  @Option(
      names = "--swaps",
      defaultValue = "10",
      description = "Checkpoint swaps (default: ${DEFAULT-VALUE}).")
  int swaps;

  @Override
  public Integer call() throws Exception {
    String[] wh = size.split("x");
    if (wh.length != 2) {
      throw new IllegalArgumentException("--size " + size + ": expected WIDTHxHEIGHT");
    }
    EmbeddedKafka embedded = null;
    try {
      String servers = bootstrap;
      if (servers == null) {
        System.err.println("bench inference: starting a Kafka broker in this JVM");
        embedded = EmbeddedKafka.start();
        servers = embedded.bootstrapServers();
      }
      Map<String, Object> result =
          new InferenceBenchmark(
                  new InferenceBenchmark.Settings(
                      servers,
                      checkpoint,
                      Integer.parseInt(wh[0]),
                      Integer.parseInt(wh[1]),
                      maxBatch,
                      frames,
                      seconds,
                      load,
                      swaps),
                  System.err)
              .run();
      System.out.println(dev.allspark.ops.Json.pretty(result));
      return 0;
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
  }
}
