package dev.allspark.stack.demo;

import dev.allspark.bridge.BridgeSettings;
import dev.allspark.bridge.ColdStartRequests;
import dev.allspark.bridge.LabelingBridge;
import dev.allspark.inference.InferenceService;
import dev.allspark.inference.InferenceSettings;
import dev.allspark.ingest.IngestService;
import dev.allspark.ingest.IngestSettings;
import dev.allspark.ops.settings.SettingTable;
import dev.allspark.ops.settings.SettingsBuilder;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.kafka.TopicsInitializer;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.testkit.EmbeddedKafka;
import dev.allspark.trainer.online.OnlineSettings;
import dev.allspark.trainer.online.OnlineTrainer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
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
                  forDemo(BridgeSettings.builder(bootstrap), BridgeSettings.TABLE, topics, classes)
                      .kafka(Map.of("commit.interval.ms", "200"))
                      .set(BridgeSettings.Key.TOKEN, token)
                      .set(BridgeSettings.Key.LABELERS_FILE, labelersFile)
                      .set(BridgeSettings.Key.STATE_DIR, settings.stateDir().resolve("bridge"))
                      .build()) // no folder import in the demo
              .start();
      started.add(bridge);

      OnlineSettings trainerSettings =
          forDemo(OnlineSettings.builder(bootstrap), OnlineSettings.TABLE, topics, classes)
              .set(OnlineSettings.Key.STATE_DIR, settings.stateDir().resolve("trainer"))
              .set(OnlineSettings.Key.MODEL, settings.model())
              .set(OnlineSettings.Key.TRAIN_SIZE, settings.modelSize())
              .set(OnlineSettings.Key.CROP, crop(settings.modelSize()))
              .set(OnlineSettings.Key.MIN_LABELS, settings.minLabels())
              .set(OnlineSettings.Key.EVAL_EVERY, settings.evalEvery())
              .set(OnlineSettings.Key.SAVE_EVERY, settings.evalEvery())
              .set(OnlineSettings.Key.SEED, settings.seed())
              .build();
      trainer = new OnlineTrainer(trainerSettings).start();
      started.add(trainer);

      InferenceSettings inferenceSettings =
          forDemo(InferenceSettings.builder(bootstrap), InferenceSettings.TABLE, topics, classes)
              .set(InferenceSettings.Key.INPUT_SIZE, settings.modelSize())
              .set(InferenceSettings.Key.LABEL_FRACTION, settings.labelFraction())
              .set(InferenceSettings.Key.AUDIT_FRACTION, settings.labelFraction() / 10)
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
                  forDemo(IngestSettings.builder(bootstrap), IngestSettings.TABLE, topics, classes)
                      .set(
                          IngestSettings.Key.SOURCE,
                          images == null
                              ? IngestService.Source.SYNTHETIC
                              : IngestService.Source.FOLDER)
                      .set(IngestSettings.Key.FOLDER, images)
                      .set(IngestSettings.Key.FPS, settings.fps())
                      .set(IngestSettings.Key.CAMERAS, settings.cameras())
                      .set(IngestSettings.Key.SIZE, settings.size())
                      .set(IngestSettings.Key.SEED, settings.seed())
                      .build(),
                  null)
              .start();
      started.add(ingest);
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  /** The demo's fixed settings ({@code services.properties}), as every service reads them. */
  static final Map<String, String> FIXED = load("services.properties");

  private static Map<String, String> load(String resource) {
    Properties p = new Properties();
    try (InputStream in = LocalStack.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the demo's " + resource + " is not on the class path");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> values = new TreeMap<>();
    p.forEach((k, v) -> values.put(k.toString(), v.toString()));
    return Collections.unmodifiableMap(values);
  }

  /** Those of the demo's fixed settings that are settings of this service. */
  static Map<String, String> fixed(SettingTable service) {
    Map<String, String> mine = new TreeMap<>(FIXED);
    mine.keySet().removeIf(env -> service.byEnv(env) == null);
    return mine;
  }

  /**
   * A service's settings as the demo starts it: the demo's topics, class set (as a deployment's
   * shared config gives it to every service, whether it reads it or not) and fixed values.
   */
  private static <S> SettingsBuilder<S> forDemo(
      SettingsBuilder<S> service, SettingTable table, TopicCatalog topics, ClassSet classes) {
    return service
        .topics(topics)
        .putAll(fixed(table))
        .putAll(Map.of(SettingTable.CLASSES_ENV, classes.id()));
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
