package dev.allspark.inference;

import ai.djl.ndarray.NDManager;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.Checkpoint;
import dev.allspark.model.ModelConfig;
import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.CameraFrames;
import dev.allspark.schemas.CheckpointRecord;
import dev.allspark.schemas.ImageEncoding;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.Segmentation;
import dev.allspark.schemas.images.Images;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.CheckpointPublisher;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.kafka.TopicsInitializer;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.testkit.KafkaBroker;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Topics, checkpoints, frames and readers for the inference service's tests. */
final class InferenceFixture implements AutoCloseable {
  static final ModelConfig TINY = ModelConfig.tiny(ClassSet.CAMVID.size(), 65);

  final KafkaBroker kafka;
  final TopicCatalog topics;
  final KafkaProducer<String, byte[]> producer;
  final AvroSerde<CameraFrame> frames = new AvroSerde<>(CameraFrame.class);
  final AvroSerde<CheckpointRecord> checkpoints = new AvroSerde<>(CheckpointRecord.class);
  final AvroSerde<Segmentation> segmentations = new AvroSerde<>(Segmentation.class);
  final AvroSerde<LabelRequest> requests = new AvroSerde<>(LabelRequest.class);
  private KafkaConsumer<String, byte[]> results;

  InferenceFixture(KafkaBroker kafka) throws Exception {
    this.kafka = kafka;
    topics = TopicsInitializer.ensure(kafka.bootstrapServers(), TopicCatalog.unique("inf"));
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                8 << 20),
            new StringSerializer(),
            new ByteArraySerializer());
  }

  /** Settings for a service on this fixture's topics: tiny input, quick batches. */
  Map<String, String> settings(String instance) {
    Map<String, String> s = InferenceSettings.defaults(kafka.bootstrapServers());
    s.putAll(topics.environment());
    s.put(InferenceSettings.Key.GROUP.env(), "inference-" + topics.name(Topic.SEGMENTATIONS));
    s.put(InferenceSettings.Key.INSTANCE_ID.env(), instance);
    s.put(InferenceSettings.Key.INPUT_SIZE.env(), "64x64");
    s.put(InferenceSettings.Key.MAX_BATCH.env(), "8");
    s.put(InferenceSettings.Key.MAX_WAIT_MS.env(), "20");
    s.put(InferenceSettings.Key.HTTP_PORT.env(), "0");
    s.put(InferenceSettings.Key.TRANSACTION_TIMEOUT_MS.env(), "10000");
    return s;
  }

  InferenceService start(Map<String, String> settings) {
    return new InferenceService(InferenceSettings.from(settings)).start();
  }

  /** A tiny network's checkpoint file; the seed makes versions predict differently. */
  static byte[] checkpointFile(long seed) {
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(TINY, m, seed);
      return Checkpoint.of(net, ClassSet.CAMVID, seed, Map.of("miou", 0.1), Map.of(), Map.of())
          .toBytes();
    }
  }

  /** Publishes version {@code v} made from seed {@code v}: the usual way a test adds a model. */
  void publishVersion(long v) throws Exception {
    publish(v, checkpointFile(v));
  }

  void publish(long version, byte[] file) throws Exception {
    CheckpointPublisher out =
        new CheckpointPublisher(producer, topics.name(Topic.MODEL_CHECKPOINTS), 64 << 10);
    out.send(
        CheckpointPublisher.Version.inSequence(
            version, file, Checkpoint.FORMAT, Map.of("miou", 0.1 * version)));
    out.flush();
  }

  static byte[] png(BufferedImage image) {
    return Images.png(image);
  }

  static BufferedImage scene(Random rng, int w, int h) {
    return InferenceBenchmark.scene(rng, w, h);
  }

  static CameraFrame frame(String id, String camera, byte[] image, int w, int h) {
    return CameraFrames.capturedNow(
        id, "vehicle-" + camera, camera, ImageEncoding.PNG, image, w, h);
  }

  /** Frame ids are camera/sequence; frames of a camera share a key, hence a partition. */
  void sendFrames(int from, int count, int cameras, Random rng) {
    for (int i = from; i < from + count; i++) {
      String camera = "cam" + (i % cameras);
      String id = camera + "/" + String.format("%06d", i);
      CameraFrame f = frame(id, camera, png(scene(rng, 80, 60)), 80, 60);
      sendRaw(camera, frames.encode(f));
    }
    producer.flush();
  }

  void sendRaw(String key, byte[] value) {
    producer.send(new ProducerRecord<>(topics.name(Topic.CAMERA_FRAMES), key, value));
  }

  /**
   * The read_committed reader of the results topic from its beginning, opened on the first call and
   * closed with the fixture.
   */
  synchronized KafkaConsumer<String, byte[]> results() {
    if (results == null) {
      results = reader(Topic.SEGMENTATIONS);
    }
    return results;
  }

  /** A read_committed reader of one topic from its beginning. */
  KafkaConsumer<String, byte[]> reader(Topic topic) {
    KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                16 << 20),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    c.subscribe(List.of(topics.name(topic)));
    return c;
  }

  /** Reads until {@code until} records are in hand and then {@code quiet} more without new ones. */
  static List<ConsumerRecord<String, byte[]>> drain(
      KafkaConsumer<String, byte[]> c, int until, Duration timeout, Duration quiet) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    long quietUntil = Long.MAX_VALUE;
    while (System.nanoTime() < deadline && System.nanoTime() < quietUntil) {
      for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
        out.add(r);
      }
      if (out.size() >= until && quietUntil == Long.MAX_VALUE) {
        quietUntil = System.nanoTime() + quiet.toNanos();
      }
    }
    return out;
  }

  @Override
  public void close() {
    try (producer) {
      if (results != null) {
        results.close();
      }
    }
  }
}
