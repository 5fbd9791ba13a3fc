package dev.allspark.stack;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.Checkpoint;
import dev.allspark.model.ConfusionMatrix;
import dev.allspark.ops.settings.SettingName;
import dev.allspark.ops.settings.SettingTable;
import dev.allspark.ops.settings.SettingValues;
import dev.allspark.ops.settings.SettingsCommand;
import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.CameraFrames;
import dev.allspark.schemas.ImageEncoding;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.LabeledFrame;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.kafka.TopicsInitializer;
import dev.allspark.testkit.EmbeddedKafka;
import dev.allspark.trainer.CamVidFolder;
import dev.allspark.trainer.Evaluation;
import dev.allspark.trainer.Sample;
import dev.allspark.trainer.online.OnlineSettings;
import dev.allspark.trainer.online.OnlineTrainer;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The online trainer on a CamVid label budget through a real broker: the split's unlabeled frames
 * on {@code camera.frames}, its labeled frames with their masks on {@code frames.labeled} (what the
 * labeling bridge's join writes), the trainer run for a fixed number of steps, its final state
 * scored on {@code val/} as {@code train} scores an offline run. The offline run with the same
 * recipe and iterations is the yardstick.
 */
@Command(
    name = "online",
    description = {
      "The online trainer fed a CamVid split through a broker in this JVM for --steps steps,",
      "then its state scored on val/ like `train`. Prints JSON. Recipe options as `trainer`."
    })
public final class BenchOnlineCommand extends SettingsCommand {
  enum Key implements SettingName {
    DATA,
    SPLIT,
    STEPS,
    INPUT_SCALE,
    HOLDOUT_FRACTION
  }

  static final SettingTable TABLE =
      SettingTable.of(
          "bench online",
          "ALLSPARK_BENCH_ONLINE",
          Key.class,
          """
          DATA              ../shared/datasets/camvid  CamVid-layout folder
          SPLIT             1_8   label budget: 1_4, 1_8, 1_16 or full
          STEPS             2000  training steps
          INPUT_SCALE       1     frames are resized by this factor for training
                                  (ALLSPARK_TRAINER_TRAIN_SIZE) and scoring, as `train --input-scale`
          HOLDOUT_FRACTION  0.01  labels the trainer holds out for its publication gate (so that it
                                  trains on about as many labels as the offline run)
          """);

  public BenchOnlineCommand() {
    super(TABLE);
  }

  @Mixin
  dev.allspark.trainer.cli.TrainerSettingOverrides overrides =
      new dev.allspark.trainer.cli.TrainerSettingOverrides();

  @Override
  public Integer call() throws Exception {
    SettingValues p = settingValues();
    overrides.over(Map.of()); // an unknown --set is refused before the broker and the data load
    Path data = p.path(Key.DATA);
    String split = p.text(Key.SPLIT);
    int steps = (int) p.integer(Key.STEPS, 1, Integer.MAX_VALUE);
    double inputScale = p.decimal(Key.INPUT_SCALE, 0.05, 1);
    double holdout = p.fraction(Key.HOLDOUT_FRACTION);
    CamVidFolder folder = new CamVidFolder(data);
    List<String> labeledNames = folder.labeledNames(split);
    List<String> unlabeledNames = folder.unlabeledNames(split);
    int width = (int) Math.round(480 * inputScale);
    int height = (int) Math.round(360 * inputScale);
    Path state = Files.createTempDirectory("bench-online-");
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      String prefix = "online-" + UUID.randomUUID().toString().substring(0, 8) + ".";
      TopicCatalog topics =
          TopicsInitializer.ensure(kafka.bootstrapServers(), TopicCatalog.prefixed(prefix));
      System.err.printf(
          "bench online: %d unlabeled frames to %s, %d labeled to %s%n",
          unlabeledNames.size(),
          topics.name(Topic.CAMERA_FRAMES),
          labeledNames.size(),
          topics.name(Topic.FRAMES_LABELED));
      AvroSerde<CameraFrame> frames = new AvroSerde<>(CameraFrame.class);
      AvroSerde<LabeledFrame> labeled = new AvroSerde<>(LabeledFrame.class);
      try (KafkaProducer<String, byte[]> producer =
          new KafkaProducer<>(
              Map.of(
                  "bootstrap.servers",
                  kafka.bootstrapServers(),
                  "max.request.size",
                  8 << 20,
                  "enable.idempotence",
                  true,
                  "acks",
                  "all"),
              new StringSerializer(),
              new ByteArraySerializer())) {
        for (String name : unlabeledNames) {
          CameraFrame f = frame(name, Files.readAllBytes(data.resolve("train").resolve(name)));
          producer
              .send(
                  new ProducerRecord<>(
                      topics.name(Topic.CAMERA_FRAMES),
                      "camvid",
                      frames.encode(topics.name(Topic.CAMERA_FRAMES), f)))
              .get();
        }
        for (String name : labeledNames) {
          byte[] image = Files.readAllBytes(data.resolve("train").resolve(name));
          byte[] mask = Files.readAllBytes(data.resolve("trainannot").resolve(name));
          LabeledFrame lf =
              LabeledFrame.newBuilder()
                  .setFrameId(name)
                  .setFrame(frame(name, image))
                  .setMask(
                      LabelMask.newBuilder()
                          .setFrameId(name)
                          .setMask(ByteBuffer.wrap(mask))
                          .setWidth(480)
                          .setHeight(360)
                          .setClassSetVersion("camvid-11")
                          .setLabeler("camvid")
                          .setLabeledAt(Instant.now())
                          .build())
                  .build();
          producer
              .send(
                  new ProducerRecord<>(
                      topics.name(Topic.FRAMES_LABELED),
                      name,
                      labeled.encode(topics.name(Topic.FRAMES_LABELED), lf)))
              .get();
        }
      }

      Map<String, String> settings = OnlineSettings.defaults(kafka.bootstrapServers());
      settings.putAll(topics.environment());
      settings.put("ALLSPARK_TRAINER_STATE_DIR", state.toString());
      settings.put("ALLSPARK_TRAINER_TRAIN_SIZE", width + "x" + height);
      settings.put("ALLSPARK_TRAINER_HOLDOUT_FRACTION", Double.toString(holdout));
      settings.put("ALLSPARK_TRAINER_WINDOW", Integer.toString(unlabeledNames.size()));
      settings.put("ALLSPARK_TRAINER_WINDOW_SAMPLE", "1");
      settings.put(
          "ALLSPARK_TRAINER_MIN_LABELS", Integer.toString(Math.max(1, labeledNames.size() / 2)));
      settings.put("ALLSPARK_TRAINER_MAX_STEPS", Integer.toString(steps));
      settings.put("ALLSPARK_TRAINER_EVAL_EVERY", Integer.toString(Math.max(1, steps / 4)));
      settings.put("ALLSPARK_TRAINER_SAVE_EVERY", "500");
      settings.put("ALLSPARK_TRAINER_HTTP_PORT", "-1");
      OnlineSettings parsed = OnlineSettings.from(overrides.over(settings));

      long t0 = System.nanoTime();
      double refused;
      OnlineTrainer.TrainingProgress progress;
      long lastReport = 0;
      try (OnlineTrainer trainer = new OnlineTrainer(parsed).start()) {
        // at --steps the trainer saves its state and stops by itself
        while (!trainer.status().startsWith("stopped")) {
          if (trainer.status().startsWith("failed")) {
            throw new IllegalStateException("the online trainer " + trainer.status());
          }
          if (System.nanoTime() - lastReport > 30_000_000_000L) {
            System.err.println("bench online: " + trainer.status());
            lastReport = System.nanoTime();
          }
          Thread.sleep(200);
        }
        refused = trainer.refusedCount();
        progress = trainer.progress();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      Checkpoint checkpoint = Checkpoint.read(state.resolve(OnlineTrainer.STATE_FILE));
      List<Sample> val = folder.load("val", "valannot", folder.valNames(), done -> {});
      double miou;
      try (NDManager manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice())) {
        AllSparkNet net = checkpoint.instantiate(manager);
        ConfusionMatrix m = Evaluation.run(net, manager, val, inputScale, done -> {});
        miou = m.meanIou();
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("benchmark", "online");
      out.put("split", split);
      out.put("steps", checkpoint.step());
      out.put("inputScale", inputScale);
      out.put("valMiou", Math.round(miou * 10000) / 10000.0);
      out.put("labelsTrain", progress.trainLabels());
      out.put("labelsHeldOut", progress.heldOutLabels());
      out.put("unlabeledFrames", unlabeledNames.size());
      out.put("refusedSteps", (long) refused);
      out.put("wallSeconds", Math.round(seconds));
      Map<String, Object> recipe = new LinkedHashMap<>();
      recipe.put("model", parsed.model());
      recipe.put("method", parsed.method().name().toLowerCase(java.util.Locale.ROOT));
      recipe.put("crop", parsed.crop());
      recipe.put("batch", parsed.batch());
      recipe.put("trainSize", parsed.trainWidth() + "x" + parsed.trainHeight());
      recipe.put("optimizer", parsed.optimizer().label());
      recipe.put("lr", parsed.lr());
      recipe.put("lrDecay", parsed.lrPoly() ? "poly" : "constant");
      recipe.put("lrWarmup", parsed.lrWarmup());
      recipe.put("weightDecay", parsed.weightDecay());
      recipe.put("unlabeledFrom", parsed.unlabeledFrom());
      recipe.put("memoryWarmup", parsed.memoryWarmup());
      recipe.put("pseudoThreshold", parsed.pseudoThreshold());
      recipe.put("seed", parsed.seed());
      out.put("recipe", recipe);
      System.out.println(dev.allspark.ops.Json.pretty(out));
      return 0;
    } finally {
      try (var files = Files.walk(state)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private static CameraFrame frame(String id, byte[] png) {
    return CameraFrames.capturedNow(id, "camvid", "camvid", ImageEncoding.PNG, png, 480, 360);
  }
}
