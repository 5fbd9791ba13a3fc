package dev.allspark.trainer.online;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.Checkpoint;
import dev.allspark.model.ConfusionMatrix;
import dev.allspark.model.EngineThreads;
import dev.allspark.model.ModelConfig;
import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.CheckpointManifest;
import dev.allspark.schemas.CheckpointRecord;
import dev.allspark.schemas.LabeledFrame;
import dev.allspark.schemas.TopicPartitionOffset;
import dev.allspark.schemas.images.FrameDecoder;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.CheckpointTopic;
import dev.allspark.schemas.kafka.DeadLetters;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.schemas.labels.LabelMaps;
import dev.allspark.schemas.ops.OpsServer;
import dev.allspark.trainer.Augmentation;
import dev.allspark.trainer.Evaluation;
import dev.allspark.trainer.LearningRate;
import dev.allspark.trainer.Method;
import dev.allspark.trainer.Optimizer;
import dev.allspark.trainer.RgbImage;
import dev.allspark.trainer.Sample;
import dev.allspark.trainer.TrainingStep;
import dev.allspark.trainer.cli.Models;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online trainer: AllSpark (or supervised-only) steps, forever, on labeled frames from {@code
 * frames.labeled} and unlabeled frames from {@code camera.frames}; it publishes a checkpoint to
 * {@code model.checkpoints} every {@code evalEvery} steps when held-out mIoU has not regressed by
 * more than the margin, and saves its whole state atomically so that a restart resumes where it
 * stopped.
 *
 * <p>The training thread does the steps, the evaluations and the saves, so the state it saves is
 * always consistent: weights, optimizer, Semantic Memory and pointers, step, the last published
 * version and mIoU, and the offsets of {@code camera.frames} reached. The topics are read by two
 * {@link Intake} threads that poll continuously (labels that arrive while the trainer trains reach
 * it within a poll), and checkpoints are written by a {@link Publisher} thread that retries through
 * broker outages while training goes on. The labeled set is not saved: {@code frames.labeled} is
 * compacted and is read again from its beginning on every start.
 *
 * <p>Learning rate: linear warm-up, then constant. A stream has no last iteration for a poly
 * schedule to decay towards, and a constant rate keeps the model able to follow new labels and a
 * drifting fleet; the publication gate, not a decaying rate, keeps a noisy step from reaching
 * production.
 */
public final class OnlineTrainer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OnlineTrainer.class);
  public static final String STATE_FILE = "trainer-state.ckpt";
  public static final String REASON_HEADER = DeadLetters.REASON_HEADER;

  private final OnlineSettings s;
  private final ClassSet classes = ClassSet.CAMVID;
  private final ModelConfig config;
  private final Thread thread;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final OpsServer ops;
  private final AvroSerde<LabeledFrame> labeledSerde = new AvroSerde<>(LabeledFrame.class);
  private final AvroSerde<CameraFrame> frameSerde = new AvroSerde<>(CameraFrame.class);
  private final AvroSerde<CheckpointRecord> checkpointSerde =
      new AvroSerde<>(CheckpointRecord.class);
  private final FrameDecoder decoder = new FrameDecoder(16 << 20, 4096L * 4096L);
  private final LabeledSet labeled;
  private final FrameWindow window;
  private final PublicationGate gate;

  private volatile boolean running = true;
  private volatile boolean halted;
  private volatile String status = "starting";
  private volatile String fatal;
  private volatile Intake framesIntake;
  private volatile Intake labelsIntake;
  private volatile Publisher publisher;

  /** The mIoU of the last checkpoint handed to the publisher: the gate's bar. */
  private volatile double gateMiou = Double.NaN;

  // progress, read by metrics and tests
  private final AtomicLong step = new AtomicLong();
  private volatile long resumedStep = -1;
  private volatile float[] resumedMemory;
  private volatile long publishedVersion = -1;
  private volatile double publishedMiou = Double.NaN;
  private volatile long publishedAtMillis;
  private volatile double lastMiou = Double.NaN;
  private volatile float lastSupervised = Float.NaN;
  private volatile float lastUnsupervised = Float.NaN;
  private volatile double stepsPerSecond;
  private final Counter labelsSeen;
  private final Counter labelsRejected;
  private final Counter withheld;
  private final Counter refused;
  private final List<Long> published = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<Validation> validations = new java.util.concurrent.CopyOnWriteArrayList<>();
  private Map<TopicPartition, Long> savedFrameOffsets = Map.of();

  public OnlineTrainer(OnlineSettings settings) {
    this.s = settings;
    // supervised is the reference's baseline network: no AllSpark block
    this.config =
        Models.named(settings.model(), classes.size(), settings.crop())
            .withBottleneck(settings.method() != Method.SUPERVISED);
    this.labeled = new LabeledSet(classes.size(), settings.holdoutFraction());
    this.window =
        new FrameWindow(settings.windowSize(), settings.windowSampleFraction(), settings.seed());
    this.gate = new PublicationGate(settings.margin());
    this.thread = new Thread(this::run, "online-trainer");
    this.labelsSeen = Counter.builder("allspark.trainer.labels.seen").register(registry);
    this.labelsRejected = Counter.builder("allspark.trainer.labels.rejected").register(registry);
    this.withheld = Counter.builder("allspark.trainer.checkpoints.withheld").register(registry);
    this.refused =
        Counter.builder("allspark.trainer.steps.refused")
            .description(
                "updates the gradient guard refused (non-finite or absurd gradient norm); 0 in a"
                    + " healthy run")
            .register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder(
            "allspark.trainer.publication.failures",
            this,
            t -> t.publisher == null ? 0 : t.publisher.failures())
        .description("failed attempts to publish a checkpoint (each is retried)")
        .register(registry);
    Gauge.builder("allspark.trainer.step", step, AtomicLong::get).register(registry);
    Gauge.builder("allspark.trainer.loss.supervised", this, t -> t.lastSupervised)
        .register(registry);
    Gauge.builder("allspark.trainer.loss.unsupervised", this, t -> t.lastUnsupervised)
        .register(registry);
    Gauge.builder("allspark.trainer.steps.per.second", this, t -> t.stepsPerSecond)
        .register(registry);
    Gauge.builder("allspark.trainer.buffer.unlabeled", window, FrameWindow::size)
        .register(registry);
    Gauge.builder("allspark.trainer.labels.train", labeled, LabeledSet::trainSize)
        .register(registry);
    Gauge.builder("allspark.trainer.labels.heldout", labeled, LabeledSet::holdoutSize)
        .register(registry);
    Gauge.builder("allspark.trainer.validation.miou", this, t -> t.lastMiou).register(registry);
    Gauge.builder("allspark.trainer.published.version", this, t -> t.publishedVersion)
        .register(registry);
    Gauge.builder(
            "allspark.trainer.seconds.since.publication",
            this,
            t ->
                t.publishedAtMillis == 0
                    ? Double.NaN
                    : (System.currentTimeMillis() - t.publishedAtMillis) / 1000.0)
        .register(registry);
    this.ops =
        settings.httpPort() >= 0
            ? new OpsServer(
                    settings.httpPort(),
                    "trainer",
                    registry::scrape,
                    () -> new OpsServer.Health(live(), healthJson()))
                .liveness(this::live)
            : null;
  }

  /**
   * Liveness: false once training failed or one of its threads (label intake, frame intake,
   * publisher) ended on its own, so an orchestrator restarts the process.
   */
  public boolean live() {
    if (fatal != null || !running) {
      return false;
    }
    for (Intake i : new Intake[] {labelsIntake, framesIntake}) {
      if (i != null && !i.alive()) {
        return false;
      }
    }
    Publisher p = publisher;
    return p == null || p.alive();
  }

  /** Labeled frames the trainer has read from {@code frames.labeled}, good or bad. */
  public long labelsSeen() {
    return (long) labelsSeen.count();
  }

  /** Labeled frames sent to the DLQ so far. */
  public long labelsRejected() {
    return (long) labelsRejected.count();
  }

  public OnlineTrainer start() {
    if (ops != null) {
      ops.start();
    }
    thread.start();
    return this;
  }

  public int httpPort() {
    return ops == null ? -1 : ops.port();
  }

  /** What the trainer is doing, for logs and health. */
  public String status() {
    return fatal != null ? "failed: " + fatal : status;
  }

  public long step() {
    return step.get();
  }

  /** The step the trainer resumed at, or -1 when it started from scratch. */
  public long resumedStep() {
    return resumedStep;
  }

  /** The Semantic Memory restored from the state, or null. */
  public float[] resumedMemory() {
    return resumedMemory;
  }

  public long publishedVersion() {
    return publishedVersion;
  }

  /**
   * One held-out evaluation of this run.
   *
   * @param publishedVersion the version it was published as, or -1 when withheld
   */
  public record Validation(long step, long atMillis, double miou, long publishedVersion) {}

  /** The evaluations of this run, oldest first. */
  public List<Validation> validations() {
    return List.copyOf(validations);
  }

  /** Where training is, for a status line or a dashboard. */
  public record Progress(
      long step,
      float supervisedLoss,
      float unsupervisedLoss,
      double stepsPerSecond,
      double validationMiou,
      long publishedVersion,
      int trainLabels,
      int heldOutLabels,
      int unlabeledFrames) {}

  public Progress progress() {
    return new Progress(
        step.get(),
        lastSupervised,
        lastUnsupervised,
        stepsPerSecond,
        lastMiou,
        publishedVersion,
        labeled.trainSize(),
        labeled.holdoutSize(),
        window.size());
  }

  /** Versions this run published. */
  public List<Long> published() {
    return List.copyOf(published);
  }

  /** Updates the gradient guard refused so far ({@code allspark_trainer_steps_refused_total}). */
  public double refusedCount() {
    return refused.count();
  }

  public double withheldCount() {
    return withheld.count();
  }

  public Path stateFile() {
    return s.stateDir().resolve(STATE_FILE);
  }

  private String healthJson() {
    return "{\"status\":"
        + OpsServer.quote(status())
        + ",\"step\":"
        + step.get()
        + ",\"publishedVersion\":"
        + publishedVersion
        + ",\"validationMiou\":"
        + (Double.isNaN(lastMiou) ? "null" : lastMiou)
        + ",\"labelsTrain\":"
        + labeled.trainSize()
        + ",\"labelsHeldOut\":"
        + labeled.holdoutSize()
        + ",\"unlabeledBuffer\":"
        + window.size()
        + ",\"publicationProblem\":"
        + (publisher == null || publisher.problem() == null
            ? "null"
            : OpsServer.quote(publisher.problem()))
        + "}";
  }

  private Map<String, Object> clientConfig() {
    Map<String, Object> c = new HashMap<>(s.kafkaOverrides());
    c.put("bootstrap.servers", s.bootstrap());
    return c;
  }

  private Device device() {
    return switch (s.device()) {
      case "cpu" -> Device.cpu();
      case "gpu" -> {
        if (Engine.getInstance().getGpuCount() == 0) {
          throw new IllegalStateException(
              OnlineSettings.Key.DEVICE.label() + " = gpu, but the engine sees no GPU");
        }
        yield Device.gpu();
      }
      default -> Engine.getInstance().defaultDevice();
    };
  }

  private void run() {
    try {
      train();
    } catch (Exception | Error e) {
      if (!halted) {
        fatal = e.getMessage() == null ? e.toString() : e.getMessage();
        log.error("online trainer stopped", e);
      }
    }
  }

  private void train() throws Exception {
    EngineThreads.noGradients();
    Device device = device();
    Engine.getInstance().setRandomSeed((int) s.seed());
    Random rng = new Random(s.seed());
    Augmentation augmentation = new Augmentation(s.crop(), classes.voidLabel());
    try (NDManager manager = NDManager.newBaseManager(device)) {
      AllSparkNet net = AllSparkNet.create(config, manager, s.seed());
      try (Optimizer optimizer =
          s.optimizer().create(net.namedParameters(), s.weightDecay(), manager)) {
        resume(net, optimizer);
        Map<Long, Integer> onTopic = versionsOnTopic();
        long topicVersion = onTopic.isEmpty() ? -1 : java.util.Collections.max(onTopic.keySet());
        long nextVersion =
            Math.max(0, Math.max(topicVersion, publishedVersion)) + 1; // versions start at 1
        log.info(
            "online trainer on {} ({} model, {}): step {}, next version {}",
            device,
            s.model(),
            s.method(),
            step.get(),
            nextVersion);
        TrainingStep trainingStep = new TrainingStep(net, optimizer, s.method(), manager);
        LearningRate poly =
            s.lrPoly() ? new LearningRate(s.lr(), s.lrWarmup(), (int) s.maxSteps(), 0.9) : null;
        Map<String, Object> lc = clientConfig();
        lc.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        lc.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        lc.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20);
        lc.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        Map<String, Object> fc = new HashMap<>(lc);
        fc.put(ConsumerConfig.GROUP_ID_CONFIG, s.groupId());
        fc.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, Object> pc = clientConfig();
        pc.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "allspark-trainer-" + s.groupId());
        pc.put(ProducerConfig.ACKS_CONFIG, "all");
        pc.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20);
        Map<String, Object> dc = clientConfig();
        dc.put(ProducerConfig.ACKS_CONFIG, "all");
        dc.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        dc.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 << 20);
        String labelsTopic = s.topics().name(Topic.FRAMES_LABELED);
        try (KafkaProducer<String, byte[]> dlq =
                new KafkaProducer<>(dc, new StringSerializer(), new ByteArraySerializer());
            Intake labels =
                new Intake(
                    "labels",
                    new KafkaConsumer<>(lc, new StringDeserializer(), new ByteArrayDeserializer()),
                    c -> {
                      List<TopicPartition> parts = partitions(c, labelsTopic);
                      c.assign(parts);
                      c.seekToBeginning(parts);
                    },
                    r -> acceptLabel(r, dlq));
            Intake frames =
                new Intake(
                    "frames",
                    new KafkaConsumer<>(fc, new StringDeserializer(), new ByteArrayDeserializer()),
                    c ->
                        c.subscribe(
                            List.of(s.topics().name(Topic.CAMERA_FRAMES)), new SeekToSaved(c)),
                    this::acceptFrame);
            Publisher publisher =
                new Publisher(
                    () ->
                        new KafkaProducer<>(pc, new StringSerializer(), new ByteArraySerializer()),
                    s.topics().name(Topic.MODEL_CHECKPOINTS),
                    publishedVersion,
                    this::published,
                    s.retainVersions(),
                    s.retainPinned(),
                    onTopic)) {
          labelsIntake = labels;
          framesIntake = frames;
          this.publisher = publisher;
          labels.start();
          frames.start();
          publisher.start();
          long windowStart = System.nanoTime();
          long windowSteps = 0;
          while (running && (s.maxSteps() == 0 || step.get() < s.maxSteps())) {
            if (publisher.fatal() != null) {
              throw new IllegalStateException(publisher.fatal());
            }
            String waiting = waitingFor();
            if (waiting != null) {
              status = waiting;
              Thread.sleep(100);
              continue;
            }
            // one step
            List<Sample> l = new ArrayList<>(s.batch());
            List<Sample> u = new ArrayList<>(s.batch());
            for (int i = 0; i < s.batch(); i++) {
              Sample x = augmentation.scaleCropFlip(labeled.draw(rng), rng);
              l.add(new Sample(x.id(), augmentation.photometric(x.image(), rng), x.labels()));
              if (s.method() == Method.ALLSPARK && step.get() >= s.unlabeledFrom()) {
                u.add(augmentation.scaleCropFlip(window.draw(rng), rng));
              }
            }
            long n = step.get();
            float lr =
                s.lrPoly()
                    ? poly.at(n)
                    : (float)
                        (s.lr() * Math.min(1.0, (n + 1) / (double) Math.max(1, s.lrWarmup())));
            TrainingStep.Losses losses =
                trainingStep.run(
                    l, u, lr, n >= s.unlabeledFrom() + s.memoryWarmup(), 1f, s.pseudoThreshold());
            lastSupervised = losses.supervised();
            lastUnsupervised = losses.unsupervised();
            if (losses.skipped()) {
              refused.increment();
              log.warn(
                  "step {}: update refused (gradient norm {}, loss {}); {} refused so far",
                  n,
                  losses.gradientNorm(),
                  losses.total(),
                  trainingStep.skippedSteps());
            }
            n = step.incrementAndGet();
            windowSteps++;
            double elapsed = (System.nanoTime() - windowStart) / 1e9;
            if (elapsed > 5) {
              stepsPerSecond = windowSteps / elapsed;
              windowStart = System.nanoTime();
              windowSteps = 0;
            }
            String trouble = publisher.problem();
            status =
                String.format(
                        "training: step %d, loss sup %.3f unsup %.3f, %d labels (+%d held out), %d unlabeled",
                        n,
                        losses.supervised(),
                        losses.unsupervised(),
                        labeled.trainSize(),
                        labeled.holdoutSize(),
                        window.size())
                    + (trouble == null ? "" : "; " + trouble);
            if (n % s.evalEvery() == 0) {
              ConfusionMatrix m = Evaluation.run(net, manager, labeled.holdout(), done -> {});
              lastMiou = m.meanIou();
              PublicationGate.Decision d = gate.decide(lastMiou, gateMiou);
              validations.add(
                  new Validation(
                      n, System.currentTimeMillis(), lastMiou, d.publish() ? nextVersion : -1));
              if (d.publish()) {
                publisher.submit(checkpointFor(net, nextVersion));
                gateMiou = lastMiou;
                log.info(
                    "step {}: version {} handed to the publisher: {}", n, nextVersion, d.reason());
                nextVersion++;
              } else {
                withheld.increment();
                log.info("step {}: checkpoint withheld: {}", n, d.reason());
              }
              save(net, optimizer);
            } else if (n % s.saveEvery() == 0) {
              save(net, optimizer);
            }
          }
          if (!halted) {
            save(net, optimizer);
            if (!publisher.drain(Duration.ofSeconds(30))) {
              log.warn(
                  "stopping with version {} unpublished: {}", nextVersion - 1, publisher.problem());
            }
            status = "stopped at step " + step.get();
          }
        }
      }
    }
  }

  /** Why training cannot start yet, or null. */
  private String waitingFor() {
    boolean labelsOk = labeled.trainSize() >= s.minLabels() && labeled.holdoutSize() >= 1;
    boolean framesOk = s.method() == Method.SUPERVISED || window.size() >= 1;
    if (labelsOk && framesOk) {
      return null;
    }
    return String.format(
        "waiting: %d training labels (need %d), %d held out (need 1), %d unlabeled frames (need %d)",
        labeled.trainSize(),
        s.minLabels(),
        labeled.holdoutSize(),
        window.size(),
        s.method() == Method.SUPERVISED ? 0 : 1);
  }

  private void acceptLabel(ConsumerRecord<String, byte[]> r, KafkaProducer<String, byte[]> dlq) {
    labelsSeen.increment();
    String reason;
    try {
      labeled.put(toSample(labeledSerde.decode(r)));
      return;
    } catch (FrameDecoder.BadFrame e) {
      reason = e.getMessage();
    } catch (RuntimeException e) {
      reason = "unreadable record: " + e.getMessage();
    }
    labelsRejected.increment();
    log.warn(
        "labeled frame at {}/{}@{} to the DLQ: {}", r.topic(), r.partition(), r.offset(), reason);
    Headers headers =
        DeadLetters.headers(r.headers(), reason, r.topic(), r.partition(), r.offset());
    dlq.send(
        new ProducerRecord<>(
            s.topics().name(Topic.FRAMES_LABELED_DLQ), null, r.key(), r.value(), headers));
  }

  private void acceptFrame(ConsumerRecord<String, byte[]> r) {
    if (!window.admit()) {
      return;
    }
    try {
      CameraFrame frame = frameSerde.decode(r);
      BufferedImage image = decoder.decode(frame);
      window.add(new Sample(frame.getFrameId(), RgbImage.of(resize(image)), null));
    } catch (FrameDecoder.BadFrame | RuntimeException e) {
      // the inference service routes bad frames to the DLQ; here they are only skipped
      log.debug("frame at {}@{} skipped: {}", r.partition(), r.offset(), e.getMessage());
    }
  }

  /** A labeled frame at the training size, or the reason it cannot be used. */
  Sample toSample(LabeledFrame lf) throws FrameDecoder.BadFrame {
    CameraFrame frame = lf.getFrame();
    BufferedImage image = decoder.decode(frame);
    var mask = lf.getMask();
    if (!classes.id().equals(mask.getClassSetVersion())) {
      throw new FrameDecoder.BadFrame(
          "mask class set '"
              + mask.getClassSetVersion()
              + "', the trainer uses '"
              + classes.id()
              + "'");
    }
    ByteBuffer data = mask.getMask().duplicate();
    byte[] bytes = new byte[data.remaining()];
    data.get(bytes);
    LabelMaps.LabelMap m;
    try {
      m = LabelMaps.read(bytes, classes);
    } catch (LabelMaps.InvalidMaskException e) {
      throw new FrameDecoder.BadFrame(e.getMessage());
    }
    if (m.width() != image.getWidth() || m.height() != image.getHeight()) {
      throw new FrameDecoder.BadFrame(
          "mask is "
              + m.width()
              + "x"
              + m.height()
              + ", the frame "
              + image.getWidth()
              + "x"
              + image.getHeight());
    }
    int w = s.trainWidth();
    int h = s.trainHeight();
    int[] labels = new int[w * h];
    // nearest-neighbour resize of the labels to the training size
    for (int y = 0; y < h; y++) {
      int sy = Math.min(m.height() - 1, (int) ((y + 0.5) * m.height() / h));
      for (int x = 0; x < w; x++) {
        int sx = Math.min(m.width() - 1, (int) ((x + 0.5) * m.width() / w));
        int v = m.id(sx, sy);
        labels[y * w + x] = v >= classes.size() ? classes.voidLabel() : v;
      }
    }
    return new Sample(lf.getFrameId(), RgbImage.of(resize(image)), labels);
  }

  private BufferedImage resize(BufferedImage image) {
    int w = s.trainWidth();
    int h = s.trainHeight();
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(image, 0, 0, w, h, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  /** The checkpoint of the current weights as version {@code version}, for the publisher. */
  private Publisher.Pending checkpointFor(AllSparkNet net, long version) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("val.mIoU", lastMiou);
    metrics.put("step", (double) step.get());
    metrics.put("labels.train", (double) labeled.trainSize());
    metrics.put("labels.heldOut", (double) labeled.holdoutSize());
    Map<String, String> info = new LinkedHashMap<>();
    info.put("method", s.method().name().toLowerCase());
    info.put("version", Long.toString(version));
    byte[] file = Checkpoint.of(net, classes, step.get(), metrics, info, Map.of()).toBytes();
    List<TopicPartitionOffset> watermark = new ArrayList<>();
    for (Intake intake : List.of(labelsIntake, framesIntake)) {
      intake
          .positions()
          .forEach(
              (tp, offset) ->
                  watermark.add(new TopicPartitionOffset(tp.topic(), tp.partition(), offset)));
    }
    return new Publisher.Pending(version, file, metrics, watermark, lastMiou);
  }

  /** The publisher committed a version. */
  private void published(Publisher.Pending p, long atMillis) {
    publishedVersion = p.version();
    publishedMiou = p.miou();
    publishedAtMillis = atMillis;
    published.add(p.version());
    log.info("published version {} (val mIoU {})", p.version(), p.miou());
  }

  /** Saves the whole state atomically (a temporary file moved over the last one). */
  private void save(AllSparkNet net, Optimizer optimizer) throws IOException {
    Map<String, String> info = new LinkedHashMap<>();
    info.put("publishedVersion", Long.toString(publishedVersion));
    info.put("publishedMiou", Double.toString(publishedMiou));
    info.put("publishedAt", Long.toString(publishedAtMillis));
    Map<TopicPartition, Long> positions = framesIntake.positions();
    StringBuilder offsets = new StringBuilder();
    positions.forEach(
        (tp, offset) ->
            offsets
                .append(offsets.length() == 0 ? "" : ",")
                .append(tp.partition())
                .append(':')
                .append(offset));
    info.put("framesOffsets", offsets.toString());
    Map<String, Double> metrics = new LinkedHashMap<>();
    if (!Double.isNaN(lastMiou)) {
      metrics.put("val.mIoU", lastMiou);
    }
    Files.createDirectories(s.stateDir());
    Checkpoint.of(net, classes, step.get(), metrics, info, optimizer.state()).write(stateFile());
    // the group's committed offsets follow the saved state, so lag is visible to operators
    framesIntake.commitLater(positions);
    log.debug("state saved at step {}", step.get());
  }

  private void resume(AllSparkNet net, Optimizer optimizer) throws IOException {
    Path file = stateFile();
    if (!Files.exists(file)) {
      return;
    }
    Checkpoint state = Checkpoint.read(file);
    if (!state.config().equals(config)) {
      throw new IllegalStateException(
          file
              + " holds a "
              + state.config()
              + " model, these settings make "
              + config
              + "; use the same "
              + OnlineSettings.Key.MODEL.label()
              + " and "
              + OnlineSettings.Key.CROP.label()
              + ", or another "
              + OnlineSettings.Key.STATE_DIR.label());
    }
    state.loadInto(net);
    optimizer.restore(state.optimizerState());
    step.set(state.step());
    resumedStep = state.step();
    resumedMemory = net.memory().queue();
    publishedVersion = Long.parseLong(state.info().getOrDefault("publishedVersion", "-1"));
    publishedMiou = Double.parseDouble(state.info().getOrDefault("publishedMiou", "NaN"));
    publishedAtMillis = Long.parseLong(state.info().getOrDefault("publishedAt", "0"));
    gateMiou = publishedMiou;
    lastMiou = state.metrics().getOrDefault("val.mIoU", Double.NaN);
    Map<TopicPartition, Long> offsets = new HashMap<>();
    String saved = state.info().getOrDefault("framesOffsets", "");
    for (String part : saved.split(",")) {
      if (!part.isBlank()) {
        String[] po = part.split(":");
        offsets.put(
            new TopicPartition(s.topics().name(Topic.CAMERA_FRAMES), Integer.parseInt(po[0])),
            Long.parseLong(po[1]));
      }
    }
    savedFrameOffsets = offsets;
    log.info(
        "resumed from {} at step {} (published version {})", file, state.step(), publishedVersion);
  }

  /** Frames partitions start at the saved offsets, less a window's worth to refill the buffer. */
  private final class SeekToSaved implements ConsumerRebalanceListener {
    private final KafkaConsumer<String, byte[]> consumer;

    SeekToSaved(KafkaConsumer<String, byte[]> consumer) {
      this.consumer = consumer;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      int partitionsCount = Math.max(1, partitions.size());
      long back = (long) Math.ceil(s.windowSize() / s.windowSampleFraction() / partitionsCount);
      for (TopicPartition tp : partitions) {
        Long saved = savedFrameOffsets.get(tp);
        if (saved != null) {
          consumer.seek(tp, Math.max(0, saved - back));
        }
      }
    }
  }

  private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c, String topic) {
    while (running) {
      List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
      if (infos != null && !infos.isEmpty()) {
        List<TopicPartition> out = new ArrayList<>();
        for (PartitionInfo p : infos) {
          out.add(new TopicPartition(topic, p.partition()));
        }
        return out;
      }
      status = "waiting: topic " + topic + " does not exist yet";
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return List.of();
      }
    }
    return List.of();
  }

  /**
   * The versions on model.checkpoints (manifests not removed by a tombstone) with their chunk
   * counts: versions grow above the newest across restarts, and old ones can be removed.
   */
  private Map<Long, Integer> versionsOnTopic() {
    Map<String, Object> c = clientConfig();
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 << 20);
    Map<Long, Integer> versions = new java.util.TreeMap<>();
    String topic = s.topics().name(Topic.MODEL_CHECKPOINTS);
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = partitions(consumer, topic);
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      boolean done = false;
      while (!done && running) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          Long manifestOf = CheckpointTopic.manifestVersion(r.key());
          if (manifestOf != null && r.value() == null) {
            versions.remove(manifestOf); // removed by retention
          } else if (manifestOf != null) {
            try {
              Object body = checkpointSerde.decode(r).getBody();
              if (body instanceof CheckpointManifest m) {
                versions.put(m.getVersion(), m.getChunkCount());
              }
            } catch (RuntimeException e) {
              log.warn("unreadable record on {} at {}: {}", topic, r.offset(), e.getMessage());
            }
          }
        }
        done = true;
        for (TopicPartition tp : parts) {
          done &= consumer.position(tp) >= end.get(tp);
        }
      }
    }
    return versions;
  }

  /** Stops at once, as a killed process would: nothing is saved. For crash tests. */
  public void halt() {
    halted = true;
    running = false;
    join();
    shutdown();
  }

  /** Clean stop: the state is saved. */
  @Override
  public void close() {
    running = false;
    join();
    shutdown();
  }

  private void join() {
    try {
      thread.join(120_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void shutdown() {
    if (ops != null) {
      ops.close();
    }
    registry.close();
  }
}
