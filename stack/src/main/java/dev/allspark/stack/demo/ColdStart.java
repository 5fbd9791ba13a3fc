package dev.allspark.stack.demo;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.LabelReason;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first labels. The inference service asks for labels only once it serves a model, and the
 * trainer publishes one only once it has labels; a real deployment breaks that circle with an
 * initial labeled sample. This does the same: until the first checkpoint is published it requests
 * every {@code every}-th frame (reason {@code MANUAL}, model version -1), at most {@code limit}.
 */
final class ColdStart implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ColdStart.class);

  private final KafkaConsumer<String, byte[]> consumer;
  private final KafkaProducer<String, byte[]> producer;
  private final TopicCatalog topics;
  private final int every;
  private final int limit;
  private final BooleanSupplier modelPublished;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile int requested;

  ColdStart(
      String bootstrap, TopicCatalog topics, int every, int limit, BooleanSupplier modelPublished) {
    this.consumer =
        new KafkaConsumer<>(
            Map.of(
                "bootstrap.servers",
                bootstrap,
                "group.id",
                "allspark-demo-cold-start",
                "auto.offset.reset",
                "earliest",
                "max.partition.fetch.bytes",
                16 << 20),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    this.producer =
        new KafkaProducer<>(
            Map.of(
                "bootstrap.servers",
                bootstrap,
                "acks",
                "all",
                "max.request.size",
                Topic.FRAMES_TO_LABEL.maxMessageBytes()),
            new StringSerializer(),
            new ByteArraySerializer());
    this.topics = topics;
    this.every = every;
    this.limit = limit;
    this.modelPublished = modelPublished;
    this.thread = new Thread(this::run, "demo-cold-start");
  }

  ColdStart start() {
    thread.start();
    return this;
  }

  int requested() {
    return requested;
  }

  private void run() {
    AvroSerde<CameraFrame> frames = new AvroSerde<>(CameraFrame.class);
    AvroSerde<LabelRequest> requests = new AvroSerde<>(LabelRequest.class);
    long seen = 0;
    try {
      consumer.subscribe(List.of(topics.name(Topic.CAMERA_FRAMES)));
      while (running && requested < limit && !modelPublished.getAsBoolean()) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (seen++ % every != 0 || requested >= limit) {
            continue;
          }
          CameraFrame f = frames.decode(r);
          LabelRequest req =
              LabelRequest.newBuilder()
                  .setFrameId(f.getFrameId())
                  .setFrame(f)
                  .setReason(LabelReason.MANUAL)
                  .setScore(0f)
                  .setModelVersion(-1)
                  .setRequestedAt(Instant.now())
                  .build();
          producer.send(
              new ProducerRecord<>(
                  topics.name(Topic.FRAMES_TO_LABEL), f.getFrameId(), requests.encode(req)));
          requested++;
        }
      }
      producer.flush();
      log.info("cold start: {} frames sent for labeling; the model takes over", requested);
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      log.error("cold start stopped", e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(10_000);
    consumer.close();
    producer.close();
  }
}
