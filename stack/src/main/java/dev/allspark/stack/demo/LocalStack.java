package dev.allspark.stack.demo;

import dev.allspark.bridge.BridgeSettings;
import dev.allspark.bridge.ColdStartRequests;
import dev.allspark.bridge.LabelingBridge;
import dev.allspark.inference.InferenceService;
import dev.allspark.inference.InferenceSettings;
import dev.allspark.ingest.IngestService;
import dev.allspark.ingest.IngestSettings;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.kafka.TopicsInitializer;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.testkit.EmbeddedKafka;
import dev.allspark.trainer.online.OnlineSettings;
import dev.allspark.trainer.online.OnlineTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;

/**
 * Every service of the product in one JVM around one broker: ingest (the synthetic fleet or a
 * CamVid replay), inference, the online trainer, the labeling bridge with simulated labelers, and
 * the dashboard. The services are the production classes with production topics; only their
 * settings are scaled to a laptop.
 */
public final class LocalStack implements AutoCloseable {
  private final DemoSettings s;
  private final List<AutoCloseable> started = new ArrayList<>();
  private final EmbeddedKafka broker;
  private Path brokerDir;
  private final String bootstrap;
  private final IngestService ingest;
  private final LabelingBridge bridge;
  private final String labelerToken;
  private final OnlineTrainer trainer;
  private final InferenceService inference;
  private final SimulatedLabelers labelers;
  private final ColdStartRequests coldStart;
  private final Dashboard dashboard;
  private long lastFramesAt = System.nanoTime();
  private long lastFrames;
  private volatile double framesPerSecond;

  public LocalStack(DemoSettings settings) throws Exception {
    this.s = settings;
    try {
      if (settings.bootstrap() == null) {
        brokerDir = Files.createTempDirectory("allspark-demo-kafka-");
        broker = EmbeddedKafka.start(Map.of(), brokerDir);
        started.add(broker);
        bootstrap = broker.bootstrapServers();
      } else {
        broker = null;
        bootstrap = settings.bootstrap();
      }
      TopicCatalog topics = TopicCatalog.defaults();
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        new TopicsInitializer(admin, topics, (short) 1).run();
      }
      Files.createDirectories(settings.stateDir());
      String[] wh = settings.size().split("x");
      Path images = settings.replay();
      ClassSet classes = settings.classes();

      // the simulated labelers share one token; a person trying the page gets their own, as
      // labeler "you" (the demo prints it), a reviewer where review is on
      String token = UUID.randomUUID().toString();
      String yours = dev.allspark.bridge.Labelers.newToken();
      labelerToken = yours;
      Path labelersFile = settings.stateDir().resolve("labelers");
      Files.writeString(labelersFile, dev.allspark.bridge.Labelers.line(yours, "you", true) + "\n");
      bridge =
          new LabelingBridge(
                  BridgeSettings.builder(bootstrap)
                      .kafka(Map.of("commit.interval.ms", "200"))
                      .topics(topics)
                      .set(BridgeSettings.Key.HTTP_PORT, 0)
                      .set(BridgeSettings.Key.TOKEN, token)
                      .set(BridgeSettings.Key.LABELERS_FILE, labelersFile)
                      .set(BridgeSettings.Key.CLASSES, classes.id())
                      .set(BridgeSettings.Key.STATE_DIR, settings.stateDir().resolve("bridge"))
                      .set(BridgeSettings.Key.APPLICATION_ID, "allspark-demo-bridge")
                      // the demo's own cold start below knows when the trainer published
                      .set(BridgeSettings.Key.COLD_START, 0)
                      .set(BridgeSettings.Key.COLD_START_EVERY, 1)
                      .build()) // no folder import in the demo
              .start();
      started.add(bridge);

      OnlineSettings trainerSettings =
          OnlineSettings.builder(bootstrap)
              .topics(topics)
              .set(OnlineSettings.Key.GROUP, "allspark-demo-trainer")
              .set(OnlineSettings.Key.CLASSES, classes.id())
              .set(OnlineSettings.Key.STATE_DIR, settings.stateDir().resolve("trainer").toString())
              .set(OnlineSettings.Key.MODEL, settings.model())
              .set(OnlineSettings.Key.TRAIN_SIZE, settings.modelSize())
              .set(OnlineSettings.Key.CROP, Integer.toString(crop(settings.modelSize())))
              .set(OnlineSettings.Key.BATCH, "4")
              .set(OnlineSettings.Key.MIN_LABELS, Integer.toString(settings.minLabels()))
              .set(OnlineSettings.Key.HOLDOUT_FRACTION, "0.2")
              .set(OnlineSettings.Key.WINDOW, "128")
              .set(OnlineSettings.Key.LR, "0.02")
              .set(OnlineSettings.Key.LR_WARMUP, "20")
              .set(OnlineSettings.Key.MEMORY_WARMUP, "40")
              .set(OnlineSettings.Key.EVAL_EVERY, Integer.toString(settings.evalEvery()))
              .set(OnlineSettings.Key.SAVE_EVERY, Integer.toString(settings.evalEvery()))
              .set(OnlineSettings.Key.MARGIN, "0.02")
              .set(OnlineSettings.Key.HTTP_PORT, "0") // /metrics and /health on a free port
              .set(OnlineSettings.Key.SEED, Long.toString(settings.seed()))
              .build();
      trainer = new OnlineTrainer(trainerSettings).start();
      started.add(trainer);

      InferenceSettings inferenceSettings =
          InferenceSettings.builder(bootstrap)
              .topics(topics)
              .set(InferenceSettings.Key.GROUP, "allspark-demo-inference")
              .set(InferenceSettings.Key.CLASSES, classes.id())
              .set(InferenceSettings.Key.INSTANCE_ID, "demo")
              .set(InferenceSettings.Key.INPUT_SIZE, settings.modelSize())
              .set(InferenceSettings.Key.MAX_BATCH, "4")
              .set(InferenceSettings.Key.LABEL_FRACTION, Double.toString(settings.labelFraction()))
              .set(
                  InferenceSettings.Key.AUDIT_FRACTION,
                  Double.toString(settings.labelFraction() / 10))
              .set(InferenceSettings.Key.LABEL_REQUESTS_PER_MINUTE, "120")
              .set(InferenceSettings.Key.HTTP_PORT, "0")
              .build();
      inference = new InferenceService(inferenceSettings).start();
      started.add(inference);

      SimulatedLabelers.GroundTruth truth = settings.groundTruth();
      labelers =
          new SimulatedLabelers(
                  bootstrap,
                  topics,
                  truth,
                  settings.labelDelayMillis(),
                  "http://localhost:" + bridge.httpPort(),
                  token)
              .start();
      started.add(labelers);

      coldStart =
          new ColdStartRequests(
                  Map.of("bootstrap.servers", bootstrap),
                  "allspark-demo-cold-start",
                  topics,
                  Math.max(1, settings.cameras()),
                  3 * settings.minLabels(),
                  () -> trainer.publishedVersion() >= 0)
              .start();
      started.add(coldStart);

      dashboard =
          new Dashboard(bootstrap, topics, settings.dashboardPort(), classes, this::status).start();
      started.add(dashboard);

      ingest =
          new IngestService(
                  IngestSettings.builder(bootstrap)
                      .topics(topics)
                      .set(
                          IngestSettings.Key.SOURCE,
                          images == null
                              ? IngestService.Source.SYNTHETIC
                              : IngestService.Source.FOLDER)
                      .set(IngestSettings.Key.FOLDER, images)
                      .set(IngestSettings.Key.FPS, settings.fps())
                      .set(IngestSettings.Key.LOOP, true)
                      .set(IngestSettings.Key.CAMERAS, settings.cameras())
                      .set(IngestSettings.Key.SIZE, settings.size())
                      .set(IngestSettings.Key.SEED, settings.seed())
                      .set(IngestSettings.Key.HTTP_PORT, 0)
                      .build(),
                  null)
              .start();
      started.add(ingest);
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  /** The largest odd crop that fits the model size's shorter side. */
  static int crop(String modelSize) {
    String[] wh = modelSize.split("x");
    int side = Math.min(Integer.parseInt(wh[0]), Integer.parseInt(wh[1]));
    return side % 2 == 1 ? side : side - 1;
  }

  public String bootstrap() {
    return bootstrap;
  }

  public int dashboardPort() {
    return dashboard.port();
  }

  public int bridgePort() {
    return bridge.httpPort();
  }

  /** Each service's /metrics, as Prometheus would scrape it. */
  public Map<String, String> metricsUrls() {
    Map<String, String> urls = new java.util.LinkedHashMap<>();
    urls.put("ingest", "http://localhost:" + ingest.httpPort() + "/metrics");
    urls.put("labeling-bridge", "http://localhost:" + bridge.httpPort() + "/metrics");
    urls.put("trainer", "http://localhost:" + trainer.httpPort() + "/metrics");
    urls.put("inference", "http://localhost:" + inference.httpPort() + "/metrics");
    return urls;
  }

  /** The token of the demo's one human labeler, "you". */
  public String labelerToken() {
    return labelerToken;
  }

  public IngestService ingest() {
    return ingest;
  }

  public OnlineTrainer trainer() {
    return trainer;
  }

  public InferenceService inference() {
    return inference;
  }

  public synchronized StackStatus status() {
    InferenceService.ServingProgress p = inference.progress();
    long now = System.nanoTime();
    double dt = (now - lastFramesAt) / 1e9;
    if (dt >= 2) {
      framesPerSecond = (p.frames() - lastFrames) / dt;
      lastFrames = p.frames();
      lastFramesAt = now;
    }
    return new StackStatus(
        ingest == null ? 0 : ingest.framesSent(),
        labelers == null ? 0 : labelers.requested(),
        labelers == null ? 0 : labelers.sent(),
        trainer.progress(),
        trainer.status(),
        trainer.validations(),
        p,
        inference.health().status(),
        framesPerSecond);
  }

  /** Stops the services, newest first: ingest, then the consumers, then the broker. */
  @Override
  public void close() {
    List<AutoCloseable> reverse = new ArrayList<>(started);
    java.util.Collections.reverse(reverse);
    for (AutoCloseable c : reverse) {
      try {
        c.close();
      } catch (Exception e) {
        org.slf4j.LoggerFactory.getLogger(LocalStack.class)
            .warn("closing {}: {}", c.getClass().getSimpleName(), e.toString());
      }
    }
    started.clear();
    if (brokerDir != null && Files.exists(brokerDir)) { // the test kit may have removed it
      try (var files = Files.walk(brokerDir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (java.nio.file.NoSuchFileException e) {
        // removed while we walked it: nothing left to do
      } catch (java.io.IOException e) {
        org.slf4j.LoggerFactory.getLogger(LocalStack.class)
            .warn("could not delete the demo broker's data in {}: {}", brokerDir, e.toString());
      }
    }
    brokerDir = null;
  }
}
