package dev.allspark.stack;

import dev.allspark.inference.InferenceBenchmark;
import dev.allspark.ops.settings.SettingName;
import dev.allspark.ops.settings.SettingTable;
import dev.allspark.ops.settings.SettingValues;
import dev.allspark.ops.settings.SettingsCommand;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code allspark bench inference}: the inference service through a broker, as JSON. */
@Command(
    name = "inference",
    description = {
      "Inference service through a real broker (the in-JVM one unless --bootstrap is given):",
      "model-only frames/s beside frames/s through Kafka, end-to-end latency p50/p99 under a",
      "steady stream, and swap pauses over checkpoint swaps under that load. Prints JSON."
    })
public final class BenchInferenceCommand extends SettingsCommand {
  enum Key implements SettingName {
    BOOTSTRAP,
    CHECKPOINT,
    SIZE,
    MAX_BATCH,
    FRAMES,
    SECONDS,
    LOAD,
    SWAPS
  }

  static final SettingTable TABLE =
      SettingTable.of(
          "bench inference",
          "ALLSPARK_BENCH_INFERENCE",
          Key.class,
          """
          BOOTSTRAP   -        an existing broker (unset: start one in this JVM)
          CHECKPOINT  -        checkpoint to serve first (unset: the b0 model with random weights)
          SIZE        480x360  WIDTHxHEIGHT of the frames
          MAX_BATCH   8        the service's micro-batch
          FRAMES      200      frames of the burst
          SECONDS     60       length of the steady stream
          LOAD        0.6      steady rate as a fraction of the burst rate
          SWAPS       10       checkpoint swaps during the steady stream
          """);

  public BenchInferenceCommand() {
    super(TABLE);
  }

  @Override
  public Integer call() throws Exception {
    SettingValues p = settingValues();
    int[] size = p.size(Key.SIZE, 16, 8192);
    try (BenchBroker broker = BenchBroker.of(p.text(Key.BOOTSTRAP), "bench inference")) {
      Map<String, Object> result =
          new InferenceBenchmark(
                  new InferenceBenchmark.Settings(
                      broker.servers(),
                      p.path(Key.CHECKPOINT),
                      size[0],
                      size[1],
                      (int) p.integer(Key.MAX_BATCH, 1, 1024),
                      (int) p.integer(Key.FRAMES, 1, Integer.MAX_VALUE),
                      (int) p.integer(Key.SECONDS, 1, Integer.MAX_VALUE),
                      p.decimal(Key.LOAD, 0.01, 1),
                      (int) p.integer(Key.SWAPS, 0, 10_000)),
                  System.err)
              .run();
      System.out.println(dev.allspark.ops.Json.pretty(result));
      return 0;
    }
  }
}
