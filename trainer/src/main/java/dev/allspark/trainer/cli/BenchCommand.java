package dev.allspark.trainer.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.Checkpoint;
import dev.allspark.model.ModelConfig;
import dev.allspark.model.Segmenter;
import dev.allspark.ops.settings.SettingName;
import dev.allspark.ops.settings.SettingTable;
import dev.allspark.ops.settings.SettingValues;
import dev.allspark.ops.settings.SettingsCommand;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.trainer.Method;
import dev.allspark.trainer.RgbImage;
import dev.allspark.trainer.Sample;
import dev.allspark.trainer.SgdMomentum;
import dev.allspark.trainer.TrainingStep;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import picocli.CommandLine.Command;

/** {@code allspark bench}: training and inference speed, as JSON. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measure training and inference speed; prints JSON.",
    subcommands = {BenchCommand.TrainStep.class, BenchCommand.Infer.class})
public final class BenchCommand implements Runnable {
  @Override
  public void run() {
    throw new IllegalArgumentException(
        "choose a benchmark: bench train-step, bench infer or bench inference");
  }

  static Map<String, Object> environment() {
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("device", Engine.getInstance().defaultDevice().toString());
    env.put(
        "engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
    env.put("cores", Runtime.getRuntime().availableProcessors());
    return env;
  }

  @Command(
      name = "train-step",
      description =
          "Seconds per AllSpark training iteration of the default model (crop 129; 2+2 and 4+4).")
  static final class TrainStep extends SettingsCommand {
    enum Key implements SettingName {
      ITERATIONS,
      WARMUP,
      CROP,
      BATCHES
    }

    static final SettingTable TABLE =
        SettingTable.of(
            "bench train-step",
            "ALLSPARK_BENCH_TRAIN_STEP",
            Key.class,
            """
            ITERATIONS  10   timed iterations per batch size
            WARMUP      3    untimed iterations first
            CROP        129  square training crop
            BATCHES     2,4  labeled batch sizes (as many unlabeled each), comma-separated
            """);

    TrainStep() {
      super(TABLE);
    }

    @Override
    public Integer call() {
      SettingValues p = settingValues();
      int iterations = (int) p.integer(Key.ITERATIONS, 1, Integer.MAX_VALUE);
      int warmup = (int) p.integer(Key.WARMUP, 0, Integer.MAX_VALUE);
      int crop = (int) p.integer(Key.CROP, 16, 4096);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("benchmark", "train-step");
      out.put("model", "b0");
      out.put("crop", crop);
      out.putAll(environment());
      Map<String, Object> results = new LinkedHashMap<>();
      Random rng = new Random(1);
      for (int batch : p.integers(Key.BATCHES, 1, 1024)) {
        try (NDManager manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice())) {
          AllSparkNet net =
              AllSparkNet.create(ModelConfig.b0(ClassSet.CAMVID.size()).withCrop(crop), manager, 1);
          try (SgdMomentum optimizer =
              new SgdMomentum(net.namedParameters(), 0.9f, 1e-4f, manager)) {
            TrainingStep step = new TrainingStep(net, optimizer, Method.ALLSPARK, manager);
            List<Sample> labeled = randomSamples(batch, crop, rng, true);
            List<Sample> unlabeled = randomSamples(batch, crop, rng, false);
            for (int i = 0; i < warmup; i++) {
              step.run(labeled, unlabeled, 0.001f, i % 2 == 0);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
              step.run(labeled, unlabeled, 0.001f, true);
            }
            double seconds = (System.nanoTime() - t0) / 1e9 / iterations;
            results.put(
                batch + "+" + batch,
                Map.of("secondsPerIteration", Json.round(seconds), "iterations", iterations));
            System.err.printf("batch %d+%d: %.3f s/iteration%n", batch, batch, seconds);
          }
        }
      }
      out.put("results", results);
      System.out.println(Json.of(out));
      return 0;
    }
  }

  @Command(
      name = "infer",
      description =
          "Inference frames/s at 480x360 (model forward + up-sampled class map), batch 1 and 8.")
  static final class Infer extends SettingsCommand {
    enum Key implements SettingName {
      CHECKPOINT,
      FRAMES,
      BATCHES,
      SIZE
    }

    static final SettingTable TABLE =
        SettingTable.of(
            "bench infer",
            "ALLSPARK_BENCH_INFER",
            Key.class,
            """
            CHECKPOINT  -        weights to use (unset: the b0 model with random weights)
            FRAMES      32       timed frames per batch size
            BATCHES     1,8      batch sizes, comma-separated
            SIZE        480x360  WIDTHxHEIGHT of the frames
            """);

    Infer() {
      super(TABLE);
    }

    @Override
    public Integer call() throws Exception {
      SettingValues p = settingValues();
      Path checkpoint = p.path(Key.CHECKPOINT);
      int frames = (int) p.integer(Key.FRAMES, 1, Integer.MAX_VALUE);
      int[] size = p.size(Key.SIZE, 16, 8192);
      int width = size[0];
      int height = size[1];
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("benchmark", "infer");
      out.put("resolution", width + "x" + height);
      out.put("checkpoint", checkpoint == null ? "random b0" : checkpoint.toString());
      out.putAll(environment());
      Map<String, Object> results = new LinkedHashMap<>();
      try (NDManager manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice())) {
        AllSparkNet net =
            checkpoint == null
                ? AllSparkNet.create(ModelConfig.b0(ClassSet.CAMVID.size()), manager, 1)
                : Checkpoint.read(checkpoint).instantiate(manager);
        for (int batch : p.integers(Key.BATCHES, 1, 1024)) {
          int rounds = Math.max(1, frames / batch);
          runBatches(manager, net, batch, 1, width, height); // warm-up
          long t0 = System.nanoTime();
          runBatches(manager, net, batch, rounds, width, height);
          double seconds = (System.nanoTime() - t0) / 1e9;
          double fps = rounds * batch / seconds;
          results.put(
              "batch" + batch,
              Map.of(
                  "framesPerSecond",
                  Json.round(fps),
                  "msPerBatch",
                  Json.round(1000 * seconds / rounds)));
          System.err.printf("batch %d: %.2f frames/s%n", batch, fps);
        }
      }
      out.put("results", results);
      System.out.println(Json.of(out));
      return 0;
    }

    /** The serving path from normalized frames to class maps: {@link Segmenter#segment}. */
    private static void runBatches(
        NDManager manager, AllSparkNet net, int batch, int rounds, int width, int height) {
      Random rng = new Random(batch);
      float[][] chw = new float[batch][3 * height * width];
      int[][] sizes = new int[batch][];
      for (int i = 0; i < batch; i++) {
        for (int p = 0; p < chw[i].length; p++) {
          chw[i][p] = (float) rng.nextGaussian();
        }
        sizes[i] = new int[] {height, width};
      }
      for (int r = 0; r < rounds; r++) {
        Segmenter.segment(net, manager, chw, height, width, sizes);
      }
    }
  }

  static List<Sample> randomSamples(int n, int crop, Random rng, boolean labeled) {
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] r = new float[crop * crop];
      float[] g = new float[crop * crop];
      float[] b = new float[crop * crop];
      int[] labels = labeled ? new int[crop * crop] : null;
      for (int p = 0; p < r.length; p++) {
        r[p] = rng.nextFloat();
        g[p] = rng.nextFloat();
        b[p] = rng.nextFloat();
        if (labels != null) {
          labels[p] = rng.nextInt(11);
        }
      }
      out.add(new Sample("bench-" + i, RgbImage.planes(crop, crop, r, g, b), labels));
    }
    return out;
  }
}
