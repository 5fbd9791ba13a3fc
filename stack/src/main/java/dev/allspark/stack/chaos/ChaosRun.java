package dev.allspark.stack.chaos;

import static dev.allspark.stack.chaos.BadInputs.*;
import static dev.allspark.stack.chaos.Http.*;

import ai.djl.ndarray.NDManager;
import dev.allspark.ingest.SyntheticFleet;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.Checkpoint;
import dev.allspark.model.ModelConfig;
import dev.allspark.schemas.ImageEncoding;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.LabeledFrame;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.CheckpointPublisher;
import dev.allspark.schemas.kafka.ConsumerLoop;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.labels.ClassSet;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** What the parts of the suite share: the report, the broker, the services, the helpers. */
final class ChaosRun {
  final Map<String, Object> report = new LinkedHashMap<>();
  final List<String> failures = new ArrayList<>();
  final List<Service> services = new ArrayList<>();
  final int kills;
  final int frames;
  final int deliveryTimeoutMs;
  final int labels;
  final long seed;
  TopicCatalog topics;
  String bootstrap;

  ChaosRun(int kills, int frames, int deliveryTimeoutMs, int labels, long seed) {
    this.kills = kills;
    this.frames = frames;
    this.deliveryTimeoutMs = deliveryTimeoutMs;
    this.labels = labels;
    this.seed = seed;
  }

  /** The bytes a topic's partitions hold on the broker's disk. */
  long topicBytes(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      long total = 0;
      for (var dirs : admin.describeLogDirs(List.of(1)).allDescriptions().get().values()) {
        for (var d : dirs.values()) {
          for (var e : d.replicaInfos().entrySet()) {
            if (e.getKey().topic().equals(topic)) {
              total += e.getValue().size();
            }
          }
        }
      }
      return total;
    }
  }

  Map<String, String> env() {
    Map<String, String> e = new HashMap<>();
    e.put("ALLSPARK_BOOTSTRAP", bootstrap);
    e.put("ALLSPARK_HTTP_BIND", "127.0.0.1");
    return e;
  }

  static byte[] tinyModel() {
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(ClassSet.CAMVID.size(), 49), m, 1);
      return Checkpoint.of(net, ClassSet.CAMVID, 0, Map.of(), Map.of(), Map.of()).toBytes();
    }
  }

  void publishTinyModel() throws Exception {
    byte[] file = tinyModel();
    try (KafkaProducer<String, byte[]> p = producer()) {
      CheckpointPublisher publisher =
          new CheckpointPublisher(p, topics.name(Topic.MODEL_CHECKPOINTS));
      publisher.send(
          CheckpointPublisher.Version.inSequence(
              1, file, Checkpoint.FORMAT, Map.of("val.mIoU", 0.0)));
      publisher.flush();
    }
  }

  KafkaProducer<String, byte[]> producer() {
    return new KafkaProducer<>(
        Map.of("bootstrap.servers", bootstrap, "max.request.size", 16 << 20, "acks", "all"),
        new StringSerializer(),
        new ByteArraySerializer());
  }

  /** Every record of a topic, read_committed, from its beginning to its current end. */
  List<ConsumerRecord<String, byte[]>> readAll(Topic topic) {
    String name = topics.name(topic);
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(
            Map.of(
                "bootstrap.servers",
                bootstrap,
                "isolation.level",
                "read_committed",
                "max.partition.fetch.bytes",
                ConsumerLoop.MAX_FETCH_BYTES,
                "enable.auto.commit",
                false),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          c.partitionsFor(name).stream().map(i -> new TopicPartition(name, i.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (System.nanoTime() < deadline) {
        boolean done = true;
        for (TopicPartition tp : parts) {
          done &= c.position(tp) >= end.get(tp);
        }
        if (done) {
          break;
        }
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          out.add(r);
        }
      }
    }
    out.sort(
        (a, b) ->
            a.partition() != b.partition()
                ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
    return out;
  }

  ProducerRecord<String, byte[]> labeled(
      AvroSerde<LabeledFrame> serde, SyntheticFleet fleet, String id, long index)
      throws IOException {
    SyntheticFleet.Scene sc = fleet.scene(0, index);
    BufferedImage mask = new BufferedImage(96, 72, BufferedImage.TYPE_BYTE_GRAY);
    int[] ids = sc.labels();
    for (int y = 0; y < 72; y++) {
      for (int x = 0; x < 96; x++) {
        mask.getRaster().setSample(x, y, 0, ids[y * 96 + x]);
      }
    }
    LabeledFrame lf =
        LabeledFrame.newBuilder()
            .setFrameId(id)
            .setFrame(frame(id, png(sc.image()), 96, 72, ImageEncoding.PNG))
            .setMask(
                LabelMask.newBuilder()
                    .setFrameId(id)
                    .setMask(ByteBuffer.wrap(png(mask)))
                    .setWidth(96)
                    .setHeight(72)
                    .setClassSetVersion("camvid-11")
                    .setLabeler("chaos")
                    .setLabeledAt(Instant.now())
                    .build())
            .build();
    return new ProducerRecord<>(
        topics.name(Topic.FRAMES_LABELED), id, serde.encode(topics.name(Topic.FRAMES_LABELED), lf));
  }
}
