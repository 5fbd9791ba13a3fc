package dev.allspark.trainer.online;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.Checkpoint;
import dev.allspark.model.ConfusionMatrix;
import dev.allspark.model.EngineThreads;
import dev.allspark.model.ModelConfig;
import dev.allspark.ops.LogContext;
import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.TopicPartitionOffset;
import dev.allspark.schemas.images.FrameDecoder;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.CheckpointTopic;
import dev.allspark.schemas.kafka.Partitions;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.trainer.Augmentation;
import dev.allspark.trainer.Evaluation;
import dev.allspark.trainer.LearningRate;
import dev.allspark.trainer.Method;
import dev.allspark.trainer.Optimizer;
import dev.allspark.trainer.Sample;
import dev.allspark.trainer.TrainingStep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online trainer's training thread: resume, then steps, evaluations, publications and saves
 * until stopped; it owns the network, the optimizer and the threads that feed and publish. The
 * state it saves is always consistent, as one thread writes it. {@link OnlineTrainer} starts it and
 * reports what it does.
 *
 * <p>Why some 540 lines: what is not the loop's own has moved out (label intake {@link
 * LabelIntake}, the frame window {@link FrameWindow}, the saved state's format {@link
 * TrainerState}, publication {@link Publisher}, the gate {@link PublicationGate}, meters {@link
 * TrainerMetrics}); what stays (resume, the step, evaluation, save, and the start-up reads of
 * {@code model.checkpoints} and of the saved offsets) reads and writes the same fields (network,
 * optimizer, step, offsets, published version) on this one thread, and splitting it would hand
 * those fields around between classes rather than keep them in one place.
 */
final class TrainingLoop {
  private static final Logger log = LoggerFactory.getLogger(TrainingLoop.class);
  private final OnlineSettings settings;
  private final ModelConfig config;
  private final ClassSet classes;
  private final Samples samples;
  final LabeledSet labeled;
  final FrameWindow window;
  private final PublicationGate gate;
  final TrainerMetrics metrics;
  private final TrainerClients clients;
  private final AvroSerde<CameraFrame> frameSerde = new AvroSerde<>(CameraFrame.class);

  private volatile boolean running = true;
  private volatile boolean halted;
  private volatile String status = "starting";
  private volatile String fatal;
  private volatile Intake framesIntake;
  private volatile Intake labelsIntake;
  volatile Publisher publisher;

  /** The mIoU of the last checkpoint handed to the publisher: the gate's bar. */
  private volatile double gateMiou = Double.NaN;

  volatile long resumedStep = -1;
  volatile float[] resumedMemory;
  final List<Long> published = new CopyOnWriteArrayList<>();
  final List<OnlineTrainer.Validation> validations = new CopyOnWriteArrayList<>();
  private Map<Integer, Long> savedFrameOffsets = Map.of();

  /** The loop and what it trains on (labeled set, frame window) and reports to, from settings. */
  TrainingLoop(OnlineSettings settings) {
    this.settings = settings;
    this.classes = settings.classes();
    // supervised is the reference's baseline network: no AllSpark block
    this.config =
        ModelConfig.named(settings.model(), classes.size(), settings.crop())
            .withBottleneck(settings.method() != Method.SUPERVISED);
    this.samples = new Samples(classes, settings.trainWidth(), settings.trainHeight());
    this.labeled = new LabeledSet(classes.size(), settings.holdoutFraction());
    this.window =
        new FrameWindow(settings.windowSize(), settings.windowSampleFraction(), settings.seed());
    this.gate = new PublicationGate(settings.margin());
    this.metrics = new TrainerMetrics(window, labeled, () -> publisher);
    this.clients = new TrainerClients(settings, metrics.meters);
  }

  String status() {
    return fatal != null ? "failed: " + fatal : status;
  }

  /** False once training failed or one of its threads ended on its own. */
  boolean live() {
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

  /** Ends the loop after the step in hand; a halt saves nothing (as a killed process). */
  void stop(boolean halt) {
    halted |= halt;
    running = false;
  }

  Path stateFile() {
    return settings.stateDir().resolve(TrainerState.FILE);
  }

  private Device device() {
    return switch (settings.device()) {
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

  void run() {
    try {
      train();
    } catch (Exception | Error e) {
      if (!halted) {
        fatal = e.getMessage() == null ? e.toString() : e.getMessage();
        log.error("online trainer stopped", e);
      }
    }
  }

  /** The network, its optimizer and the step that trains them, on one manager. */
  private record Model(
      NDManager manager, AllSparkNet net, Optimizer optimizer, TrainingStep step) {}

  private void train() throws Exception {
    EngineThreads.noGradients();
    Device device = device();
    Engine.getInstance().setRandomSeed((int) settings.seed());
    try (NDManager manager = NDManager.newBaseManager(device)) {
      AllSparkNet net = AllSparkNet.create(config, manager, settings.seed());
      try (Optimizer optimizer =
          settings.optimizer().create(net.namedParameters(), settings.weightDecay(), manager)) {
        if (!resume(net, optimizer) && settings.pretrained() != null) {
          int n =
              dev.allspark.trainer.Pretrained.load(
                  net, settings.pretrained(), OnlineSettings.Key.PRETRAINED.label());
          log.info("encoder from {}: {} pretrained tensors", settings.pretrained(), n);
        }
        Map<Long, Integer> onTopic = versionsOnTopic();
        long topicVersion = onTopic.isEmpty() ? -1 : Collections.max(onTopic.keySet());
        // versions start at 1 and grow across restarts
        long nextVersion = Math.max(0, Math.max(topicVersion, metrics.publishedVersion)) + 1;
        log.info(
            "online trainer on {} ({} model, {}): step {}, next version {}",
            device,
            settings.model(),
            settings.method(),
            metrics.step.get(),
            nextVersion);
        Model model =
            new Model(
                manager,
                net,
                optimizer,
                new TrainingStep(net, optimizer, settings.method(), manager));
        String labelsTopic = settings.topics().name(Topic.FRAMES_LABELED);
        try (KafkaProducer<String, byte[]> dlq = clients.deadLetters();
            Intake labels =
                new Intake(
                    "labels",
                    clients.labels(),
                    c -> Partitions.rewind(c, partitions(c, labelsTopic)),
                    new LabelIntake(
                            samples,
                            labeled,
                            metrics,
                            dlq,
                            settings.topics().name(Topic.FRAMES_LABELED_DLQ))
                        ::accept);
            Intake frames =
                new Intake(
                    "frames",
                    clients.frames(),
                    c ->
                        c.subscribe(
                            List.of(settings.topics().name(Topic.CAMERA_FRAMES)),
                            new SeekToSaved(c)),
                    this::acceptFrame);
            Publisher publisher =
                new Publisher(
                    clients::publisher,
                    settings.topics().name(Topic.MODEL_CHECKPOINTS),
                    metrics.publishedVersion,
                    this::published,
                    settings.retainVersions(),
                    settings.retainPinned(),
                    onTopic)) {
          labelsIntake = labels;
          framesIntake = frames;
          this.publisher = publisher;
          labels.start();
          frames.start();
          publisher.start();
          loop(model, nextVersion);
        }
      }
    }
  }

  /** Steps until stopped (or {@code maxSteps}); evaluates, publishes and saves on the way. */
  private void loop(Model model, long nextVersion) throws Exception {
    Random rng = new Random(settings.seed());
    Augmentation augmentation = new Augmentation(settings.crop(), classes.voidLabel());
    LearningRate poly =
        settings.lrPoly()
            ? new LearningRate(settings.lr(), settings.lrWarmup(), (int) settings.maxSteps(), 0.9)
            : null;
    long windowStart = System.nanoTime();
    long windowSteps = 0;
    while (running && (settings.maxSteps() == 0 || metrics.step.get() < settings.maxSteps())) {
      if (publisher.fatal() != null) {
        throw new IllegalStateException(publisher.fatal());
      }
      String waiting = waitingFor();
      if (waiting != null) {
        status = waiting;
        Thread.sleep(100);
        continue;
      }
      long n = metrics.step.get();
      float lr =
          settings.lrPoly()
              ? poly.at(n)
              : (float)
                  (settings.lr()
                      * Math.min(1.0, (n + 1) / (double) Math.max(1, settings.lrWarmup())));
      TrainingStep.Losses losses = step(model, augmentation, rng, n, lr);
      n = metrics.step.incrementAndGet();
      windowSteps++;
      double elapsed = (System.nanoTime() - windowStart) / 1e9;
      if (elapsed > 5) {
        metrics.stepsPerSecond = windowSteps / elapsed;
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
      if (n % settings.evalEvery() == 0) {
        if (evaluate(model, n, nextVersion)) {
          nextVersion++;
        }
        save(model);
      } else if (n % settings.saveEvery() == 0) {
        save(model);
      }
    }
    if (!halted) {
      save(model);
      if (!publisher.drain(Duration.ofSeconds(30))) {
        log.warn("stopping with version {} unpublished: {}", nextVersion - 1, publisher.problem());
      }
      status = "stopped at step " + metrics.step.get();
    }
  }

  /** One training step on a fresh draw of labeled and (for AllSpark) unlabeled crops. */
  private TrainingStep.Losses step(
      Model model, Augmentation augmentation, Random rng, long n, float lr) {
    List<Sample> labeledCrops = new ArrayList<>(settings.batch());
    List<Sample> unlabeledCrops = new ArrayList<>(settings.batch());
    for (int i = 0; i < settings.batch(); i++) {
      Sample x = augmentation.scaleCropFlip(labeled.draw(rng), rng);
      labeledCrops.add(new Sample(x.id(), augmentation.photometric(x.image(), rng), x.labels()));
      if (settings.method() == Method.ALLSPARK && n >= settings.unlabeledFrom()) {
        unlabeledCrops.add(augmentation.scaleCropFlip(window.draw(rng), rng));
      }
    }
    TrainingStep.Losses losses =
        model
            .step()
            .run(
                labeledCrops,
                unlabeledCrops,
                lr,
                n >= settings.unlabeledFrom() + settings.memoryWarmup(),
                1f,
                settings.pseudoThreshold());
    metrics.lastSupervised = losses.supervised();
    metrics.lastUnsupervised = losses.unsupervised();
    if (losses.skipped()) {
      metrics.refused.increment();
      log.warn(
          "step {}: update refused (gradient norm {}, loss {}); {} refused so far",
          n,
          losses.gradientNorm(),
          losses.total(),
          model.step().skippedSteps());
    }
    return losses;
  }

  /** Held-out mIoU; the checkpoint goes to the publisher when the gate lets it. */
  private boolean evaluate(Model model, long n, long version) {
    ConfusionMatrix m = Evaluation.run(model.net(), model.manager(), labeled.holdout(), done -> {});
    metrics.lastMiou = m.meanIou();
    PublicationGate.Decision d = gate.decide(metrics.lastMiou, gateMiou);
    validations.add(
        new OnlineTrainer.Validation(
            n, System.currentTimeMillis(), metrics.lastMiou, d.publish() ? version : -1));
    if (!d.publish()) {
      metrics.withheld.increment();
      try (var c = LogContext.step(n)) {
        log.info("step {}: checkpoint withheld: {}", n, d.reason());
      }
      return false;
    }
    publisher.submit(checkpointFor(model.net(), version));
    gateMiou = metrics.lastMiou;
    try (var c = LogContext.step(n);
        var v = LogContext.version(version)) {
      log.info("step {}: version {} handed to the publisher: {}", n, version, d.reason());
    }
    return true;
  }

  /** Why training cannot start yet, or null. */
  private String waitingFor() {
    boolean labelsOk = labeled.trainSize() >= settings.minLabels() && labeled.holdoutSize() >= 1;
    boolean framesOk = settings.method() == Method.SUPERVISED || window.size() >= 1;
    if (labelsOk && framesOk) {
      return null;
    }
    return String.format(
        "waiting: %d training labels (need %d), %d held out (need 1), %d unlabeled frames (need %d)",
        labeled.trainSize(),
        settings.minLabels(),
        labeled.holdoutSize(),
        window.size(),
        settings.method() == Method.SUPERVISED ? 0 : 1);
  }

  private void acceptFrame(ConsumerRecord<String, byte[]> r) {
    if (!window.admit()) {
      return;
    }
    try {
      window.add(samples.unlabeled(frameSerde.decode(r)));
    } catch (FrameDecoder.BadFrame | RuntimeException e) {
      // the inference service routes bad frames to the DLQ; here they are only skipped
      log.debug("frame at {}@{} skipped: {}", r.partition(), r.offset(), e.getMessage());
    }
  }

  /** The checkpoint of the current weights as version {@code version}, for the publisher. */
  private Publisher.Pending checkpointFor(AllSparkNet net, long version) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("val.mIoU", metrics.lastMiou);
    m.put("step", (double) metrics.step.get());
    m.put("labels.train", (double) labeled.trainSize());
    m.put("labels.heldOut", (double) labeled.holdoutSize());
    Map<String, String> info = new LinkedHashMap<>();
    info.put("method", settings.method().name().toLowerCase(Locale.ROOT));
    info.put("version", Long.toString(version));
    byte[] file = Checkpoint.of(net, classes, metrics.step.get(), m, info, Map.of()).toBytes();
    List<TopicPartitionOffset> watermark = new ArrayList<>();
    for (Intake intake : List.of(labelsIntake, framesIntake)) {
      intake
          .positions()
          .forEach(
              (tp, offset) ->
                  watermark.add(new TopicPartitionOffset(tp.topic(), tp.partition(), offset)));
    }
    return new Publisher.Pending(version, file, m, watermark, metrics.lastMiou);
  }

  /** The publisher committed a version. */
  private void published(Publisher.Pending p, long atMillis) {
    metrics.publishedVersion = p.version();
    metrics.publishedMiou = p.miou();
    metrics.publishedAtMillis = atMillis;
    published.add(p.version());
    try (var c = LogContext.version(p.version())) {
      log.info("published version {} (val mIoU {})", p.version(), p.miou());
    }
  }

  /** Saves the whole state atomically; the group's offsets follow (lag visible to operators). */
  private void save(Model model) throws IOException {
    Map<TopicPartition, Long> positions = framesIntake.positions();
    Map<Integer, Long> offsets = new HashMap<>();
    positions.forEach((tp, offset) -> offsets.put(tp.partition(), offset));
    new TrainerState(
            metrics.step.get(),
            metrics.publishedVersion,
            metrics.publishedMiou,
            metrics.publishedAtMillis,
            metrics.lastMiou,
            offsets)
        .save(stateFile(), model.net(), classes, model.optimizer());
    framesIntake.commitLater(positions);
    log.debug("state saved at step {}", metrics.step.get());
  }

  /** Restores the saved state; false when there is none (a fresh start). */
  private boolean resume(AllSparkNet net, Optimizer optimizer) throws IOException {
    Path file = stateFile();
    if (!Files.exists(file)) {
      return false;
    }
    Checkpoint saved = Checkpoint.read(file);
    TrainerState.checkClasses(saved, classes, file);
    if (!saved.config().equals(config)) {
      throw new IllegalStateException(
          file
              + " holds a "
              + saved.config()
              + " model, these settings make "
              + config
              + "; use the same "
              + OnlineSettings.Key.MODEL.label()
              + " and "
              + OnlineSettings.Key.CROP.label()
              + ", or another "
              + OnlineSettings.Key.STATE_DIR.label());
    }
    saved.loadInto(net);
    optimizer.restore(saved.optimizerState());
    TrainerState state = TrainerState.read(saved);
    metrics.restore(state);
    resumedStep = state.step();
    resumedMemory = net.memory().queue();
    gateMiou = state.publishedMiou();
    savedFrameOffsets = state.frameOffsets();
    log.info(
        "resumed from {} at step {} (published version {})",
        file,
        state.step(),
        state.publishedVersion());
    return true;
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
      long back =
          (long)
              Math.ceil(settings.windowSize() / settings.windowSampleFraction() / partitionsCount);
      for (TopicPartition tp : partitions) {
        Long saved = savedFrameOffsets.get(tp.partition());
        if (saved != null) {
          consumer.seek(tp, Math.max(0, saved - back));
        }
      }
    }
  }

  /** The topic's partitions, waiting (and saying so) while it does not exist. */
  private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c, String topic) {
    return Partitions.await(
        c,
        topic,
        () -> running,
        why -> {
          if (why != null) {
            status = "waiting: " + why;
          }
        });
  }

  /**
   * The versions on model.checkpoints (manifests not removed by a tombstone) with their chunk
   * counts: versions grow above the newest across restarts, and old ones can be removed.
   */
  private Map<Long, Integer> versionsOnTopic() {
    Map<Long, Integer> versions = new TreeMap<>();
    String topic = settings.topics().name(Topic.MODEL_CHECKPOINTS);
    try (KafkaConsumer<String, byte[]> consumer = clients.checkpoints()) {
      List<TopicPartition> partitions = partitions(consumer, topic);
      // a version the previous trainer committed just before it stopped becomes readable only
      // once the broker has written its markers: wait for that rather than reuse its number
      CheckpointTopic.Reader.manifests()
          .readToEnd(
              consumer,
              partitions,
              () -> running,
              clients.logEnd(partitions),
              Duration.ofSeconds(90))
          .forEach((v, m) -> versions.put(v, m.getChunkCount()));
    }
    return versions;
  }
}
