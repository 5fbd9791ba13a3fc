package dev.allspark.inference;

import ai.djl.ndarray.NDManager;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.Checkpoint;
import dev.allspark.model.ModelConfig;
import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.CameraFrames;
import dev.allspark.schemas.CheckpointRecord;
import dev.allspark.schemas.ImageEncoding;
import dev.allspark.schemas.Segmentation;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.CheckpointPublisher;
import dev.allspark.schemas.kafka.ConsumerLoop;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.kafka.TopicsInitializer;
import dev.allspark.schemas.labels.ClassSet;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code allspark bench inference}: the service through a real broker at 480x360.
 *
 * <ol>
 *   <li>model only: micro-batches of 1 and 8 straight into the loaded model (no Kafka);
 *   <li>burst: frames already on the topic, the service at full speed: frames/s;
 *   <li>steady stream at a fraction of the burst rate: end-to-end latency (capture to the result
 *       visible to a read_committed reader) p50/p99, while 10 new checkpoints are published: swap
 *       pause p50/max and the largest gap between results.
 * </ol>
 *
 * <p>Some 350 lines: the three phases share one broker, one set of topics, one producer and the
 * checkpoint files, and run in order; the stage breakdown and the broker's transaction floor are
 * {@link KafkaPathBreakdown}'s.
 */
public final class InferenceBenchmark {
  /** What to measure. */
  public record Settings(
      String bootstrap,
      Path checkpoint,
      int width,
      int height,
      int maxBatch,
      int burstFrames,
      int steadySeconds,
      double steadyLoad,
      int swaps) {}

  private final Settings s;
  private final PrintStream log;
  private final AvroSerde<CameraFrame> frames = new AvroSerde<>(CameraFrame.class);
  private final AvroSerde<CheckpointRecord> checkpoints = new AvroSerde<>(CheckpointRecord.class);
  private final AvroSerde<Segmentation> results = new AvroSerde<>(Segmentation.class);

  public InferenceBenchmark(Settings settings, PrintStream log) {
    this.s = settings;
    this.log = log;
  }

  public Map<String, Object> run() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("benchmark", "inference");
    out.put("frame", s.width() + "x" + s.height());
    out.put("maxBatch", s.maxBatch());
    byte[][] files = new byte[s.swaps() + 1][];
    files[0] = s.checkpoint() != null ? Files.readAllBytes(s.checkpoint()) : randomCheckpoint(1);
    Checkpoint first = Checkpoint.fromBytes(files[0]);
    ModelConfig config = first.config();
    // the swapped-in versions are of the same shape and training scale, as a trainer's would be
    Map<String, String> info =
        first.inputScale() == 1.0
            ? Map.of()
            : Map.of(Checkpoint.INPUT_SCALE, Double.toString(first.inputScale()));
    out.put("model", s.checkpoint() != null ? s.checkpoint().toString() : "b0 (random weights)");
    for (int i = 1; i <= s.swaps(); i++) {
      files[i] = randomCheckpointLike(config, i + 1, info);
    }
    Random rng = new Random(7);
    List<byte[]> jpegs = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      jpegs.add(jpeg(scene(rng, s.width(), s.height())));
    }

    // 1. model only
    log.println("bench inference: model only");
    // as the service sees it: the frame size times the checkpoint's training scale
    try (ServingModel model =
        ServingModel.load(1, files[0], new InputSize(s.width(), s.height(), null), null)) {
      out.put("modelInput", model.inputSize());
      for (int batch : new int[] {1, s.maxBatch()}) {
        List<BufferedImage> images = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
          images.add(ImageIO.read(new java.io.ByteArrayInputStream(jpegs.get(i % jpegs.size()))));
        }
        model.segment(images);
        int reps = Math.max(3, 24 / batch);
        long t0 = System.nanoTime();
        for (int r = 0; r < reps; r++) {
          model.segment(images);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.put(
            "modelOnlyFramesPerSecondBatch" + batch,
            KafkaPathBreakdown.round(reps * batch / seconds));
        out.put("modelOnlyMsPerBatch" + batch, KafkaPathBreakdown.round(seconds * 1000 / reps));
      }
    }

    // topics of this run only
    String prefix = "bench-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    Map<String, String> values = InferenceSettings.defaults(s.bootstrap());
    values.putAll(TopicCatalog.prefixed(prefix).environment());
    values.put(InferenceSettings.Key.INPUT_SIZE.env(), s.width() + "x" + s.height());
    values.put(InferenceSettings.Key.MAX_BATCH.env(), String.valueOf(s.maxBatch()));
    values.put(InferenceSettings.Key.HTTP_PORT.env(), "-1");
    values.put(InferenceSettings.Key.INSTANCE_ID.env(), "bench");
    values.put(InferenceSettings.Key.GROUP.env(), prefix + "inference");
    InferenceSettings settings = InferenceSettings.from(values);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", s.bootstrap()))) {
      new TopicsInitializer(admin, settings.topics(), (short) 1).run();
    }
    String framesTopic = settings.topics().name(Topic.CAMERA_FRAMES);
    try (KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(
                Map.of(
                    "bootstrap.servers",
                    s.bootstrap(),
                    "max.request.size",
                    8 << 20,
                    "linger.ms",
                    5),
                new StringSerializer(),
                new ByteArraySerializer());
        KafkaConsumer<String, byte[]> reader =
            reader(settings.topics().name(Topic.SEGMENTATIONS))) {
      publish(producer, settings, 1, files[0]);
      // 2. burst: all frames waiting before the service starts
      for (int i = 0; i < s.burstFrames(); i++) {
        send(producer, framesTopic, "burst/" + i, jpegs.get(i % jpegs.size()));
      }
      producer.flush();
      log.printf("bench inference: burst of %d frames through the broker%n", s.burstFrames());
      try (InferenceService service = new InferenceService(settings).start()) {
        List<Long> produced = new ArrayList<>();
        int got = 0;
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (got < s.burstFrames() && System.nanoTime() < deadline) {
          for (ConsumerRecord<String, byte[]> r : reader.poll(Duration.ofMillis(200))) {
            Segmentation seg = results.decode(r);
            produced.add(seg.getTimings().getReceived().toEpochMilli());
            produced.add(seg.getTimings().getProduced().toEpochMilli());
            got++;
          }
        }
        Collections.sort(produced);
        double burstSeconds = (produced.get(produced.size() - 1) - produced.get(0)) / 1000.0;
        double burstRate = got / burstSeconds;
        out.put("brokerFramesPerSecond", KafkaPathBreakdown.round(burstRate));

        // 3. steady stream with swaps
        double rate = Math.max(0.5, burstRate * s.steadyLoad());
        out.put("steadyFramesPerSecond", KafkaPathBreakdown.round(rate));
        log.printf(
            "bench inference: steady stream at %.1f frames/s for %d s, %d checkpoint swaps%n",
            rate, s.steadySeconds(), s.swaps());
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        List<Long> producedTimes = Collections.synchronizedList(new ArrayList<>());
        Map<String, Long> seenAt = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, FrameTrace> traces = new java.util.concurrent.ConcurrentHashMap<>();
        service.onFrameTrace(
            t -> {
              if (t.frameId().startsWith("steady/")) {
                traces.put(t.frameId(), t);
              }
            });
        int total = (int) Math.round(rate * s.steadySeconds());
        Thread readerThread =
            new Thread(
                () -> {
                  int seen = 0;
                  long end = System.nanoTime() + (s.steadySeconds() + 120) * 1_000_000_000L;
                  while (seen < total && System.nanoTime() < end) {
                    for (ConsumerRecord<String, byte[]> r : reader.poll(Duration.ofMillis(100))) {
                      long now = System.currentTimeMillis();
                      Segmentation seg = results.decode(r);
                      latencies.add(now - seg.getTimings().getCaptured().toEpochMilli());
                      seenAt.put(seg.getFrameId(), now);
                      producedTimes.add(seg.getTimings().getProduced().toEpochMilli());
                      seen++;
                    }
                  }
                },
                "bench-reader");
        readerThread.start();
        long start = System.nanoTime();
        long intervalNanos = (long) (1e9 / rate);
        int swapEvery = Math.max(1, total / (s.swaps() + 1));
        int published = 0;
        for (int i = 0; i < total; i++) {
          long due = start + i * intervalNanos;
          long wait = due - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          }
          send(producer, framesTopic, "steady/" + i, jpegs.get(i % jpegs.size()));
          if (i > 0 && i % swapEvery == 0 && published < s.swaps()) {
            published++;
            publish(producer, settings, published + 1, files[published]);
            log.printf("bench inference: published version %d%n", published + 1);
          }
        }
        producer.flush();
        readerThread.join();
        long deadline2 = System.nanoTime() + 120_000_000_000L;
        while (service.swapPausesNanos().size() < s.swaps() && System.nanoTime() < deadline2) {
          Thread.sleep(200);
        }
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        out.put("steadyResults", sorted.size() + " of " + total);
        out.put("endToEndP50Ms", KafkaPathBreakdown.percentile(sorted, 0.50));
        out.put("endToEndP99Ms", KafkaPathBreakdown.percentile(sorted, 0.99));
        out.putAll(KafkaPathBreakdown.breakdown(traces, seenAt));
        out.putAll(
            KafkaPathBreakdown.transactionFloor(
                s.bootstrap(), settings.topics().name(Topic.SEGMENTATIONS) + ".bench", 100));
        List<Long> pauses = new ArrayList<>(service.swapPausesNanos());
        Collections.sort(pauses);
        out.put("swaps", pauses.size());
        // a swap is a reference exchange between micro-batches: microseconds, not milliseconds
        out.put(
            "swapPauseP50Micros",
            pauses.isEmpty()
                ? null
                : KafkaPathBreakdown.round(KafkaPathBreakdown.percentile(pauses, 0.5) / 1e3));
        out.put(
            "swapPauseMaxMicros",
            pauses.isEmpty()
                ? null
                : KafkaPathBreakdown.round(pauses.get(pauses.size() - 1) / 1e3));
        List<Long> times = new ArrayList<>(producedTimes);
        Collections.sort(times);
        long gap = 0;
        for (int i = 1; i < times.size(); i++) {
          gap = Math.max(gap, times.get(i) - times.get(i - 1));
        }
        out.put("largestGapBetweenResultsMs", gap);
        out.put("expectedGapMs", KafkaPathBreakdown.round(1000 / rate));
      }
    }
    return out;
  }

  private void publish(
      KafkaProducer<String, byte[]> producer,
      InferenceSettings settings,
      long version,
      byte[] file) {
    CheckpointPublisher out =
        new CheckpointPublisher(producer, settings.topics().name(Topic.MODEL_CHECKPOINTS));
    out.send(CheckpointPublisher.Version.inSequence(version, file, Checkpoint.FORMAT, Map.of()));
    out.flush();
  }

  private void send(KafkaProducer<String, byte[]> producer, String topic, String id, byte[] jpeg) {
    String camera = "cam" + (Math.abs(id.hashCode()) % 6);
    CameraFrame frame =
        CameraFrames.capturedNow(
            id, "bench", camera, ImageEncoding.JPEG, jpeg, s.width(), s.height());
    producer.send(new ProducerRecord<>(topic, camera, frames.encode(topic, frame)));
  }

  private KafkaConsumer<String, byte[]> reader(String topic) {
    Map<String, Object> config =
        ConsumerLoop.config(s.bootstrap(), "bench-reader-" + UUID.randomUUID(), "earliest", true);
    KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    c.subscribe(List.of(topic));
    return c;
  }

  private static byte[] randomCheckpoint(long seed) {
    return randomCheckpointLike(ModelConfig.b0(ClassSet.CAMVID.size()), seed, Map.of());
  }

  private static byte[] randomCheckpointLike(
      ModelConfig config, long seed, Map<String, String> info) {
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(config, m, seed);
      return Checkpoint.of(net, ClassSet.CAMVID, seed, Map.of(), info, Map.of()).toBytes();
    }
  }

  static BufferedImage scene(Random rng, int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(120 + rng.nextInt(60), 160 + rng.nextInt(60), 230));
    g.fillRect(0, 0, w, h / 2);
    g.setColor(new Color(80, 80, 80 + rng.nextInt(40)));
    g.fillRect(0, h / 2, w, h - h / 2);
    for (int i = 0; i < 6; i++) {
      g.setColor(new Color(rng.nextInt(256), rng.nextInt(256), rng.nextInt(256)));
      g.fillRect(rng.nextInt(w), rng.nextInt(h), 10 + rng.nextInt(w / 4), 10 + rng.nextInt(h / 4));
    }
    g.dispose();
    return img;
  }

  private static byte[] jpeg(BufferedImage image) {
    return dev.allspark.schemas.images.Images.encode(image, "jpg");
  }
}
