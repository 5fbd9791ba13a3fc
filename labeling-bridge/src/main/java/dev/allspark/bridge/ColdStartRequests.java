package dev.allspark.bridge;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.LabelReason;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.Backoff;
import dev.allspark.schemas.kafka.ConsumerLoop;
import dev.allspark.schemas.kafka.Partitions;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first labels. The inference service asks for labels only once it serves a model, and the
 * trainer publishes one only once it has labels: a new deployment needs an initial labeled sample
 * to break that circle. Until the first checkpoint is on {@code model.checkpoints}, this requests
 * every {@code every}-th frame of {@code camera.frames} (reason {@code MANUAL}, model version -1),
 * at most {@code limit}; then the model's own uncertainty takes over.
 */
public final class ColdStartRequests implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ColdStartRequests.class);

  private final ConsumerLoop loop;
  private final KafkaProducer<String, byte[]> producer;
  private final TopicCatalog topics;
  private final int every;
  private final int limit;
  private final BooleanSupplier modelPublished;
  private volatile int requested;
  private volatile long skipped;
  private volatile boolean failed;
  private boolean checkpointSeen;
  private long lastCheck = System.nanoTime() - 10_000_000_000L;

  /**
   * @param kafka client settings (bootstrap, security)
   * @param group the consumer group on camera.frames (its offsets remember what was seen)
   * @param modelPublished true once a model exists; null: watch model.checkpoints for one
   */
  public ColdStartRequests(
      Map<String, Object> kafka,
      String group,
      TopicCatalog topics,
      int every,
      int limit,
      BooleanSupplier modelPublished) {
    if (every < 1 || limit < 0) {
      throw new IllegalArgumentException("cold start: every must be >= 1 and limit >= 0");
    }
    Map<String, Object> p = new HashMap<>(kafka);
    p.put("acks", "all");
    p.put("enable.idempotence", true);
    p.put("max.request.size", Topic.FRAMES_TO_LABEL.maxMessageBytes());
    this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    this.topics = topics;
    this.every = every;
    this.limit = limit;
    this.modelPublished = modelPublished;
    this.loop =
        new ConsumerLoop(
            "cold-start-requests", ConsumerLoop.config(kafka, group, "earliest", false), this::run);
  }

  /** True once model.checkpoints holds any record (checked at most every 5 s). */
  private boolean checkpointOnTopic(KafkaConsumer<String, byte[]> consumer) {
    long now = System.nanoTime();
    if (checkpointSeen || now - lastCheck < 5_000_000_000L) {
      return checkpointSeen;
    }
    lastCheck = now;
    checkpointSeen = Partitions.anyRecord(consumer, topics.name(Topic.MODEL_CHECKPOINTS));
    return checkpointSeen;
  }

  public ColdStartRequests start() {
    loop.start();
    return this;
  }

  public int requested() {
    return requested;
  }

  private void run(KafkaConsumer<String, byte[]> consumer, BooleanSupplier running) {
    BooleanSupplier published =
        modelPublished != null ? modelPublished : () -> checkpointOnTopic(consumer);
    AvroSerde<CameraFrame> frames = new AvroSerde<>(CameraFrame.class);
    AvroSerde<LabelRequest> requests = new AvroSerde<>(LabelRequest.class);
    long seen = 0;
    Backoff backoff = Backoff.standard();
    boolean subscribed = false;
    while (running.getAsBoolean() && requested < limit) {
      try {
        if (!subscribed) {
          consumer.subscribe(List.of(topics.name(Topic.CAMERA_FRAMES)));
          subscribed = true;
        }
        if (published.getAsBoolean()) {
          break;
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (requested >= limit) {
            break;
          }
          CameraFrame f;
          try {
            f = frames.decode(r);
            if (f == null) {
              throw new IllegalArgumentException("a record without a value (a tombstone)");
            }
          } catch (dev.allspark.schemas.kafka.SchemaRegistry.Unavailable e) {
            throw e; // the registry is away, not the record at fault: no dead letter, tried again
          } catch (RuntimeException e) {
            // one bad record must not end the cold start (issue 13): skip it, say where it is
            skipped++;
            log.warn(
                "cold start: unreadable record at {}/{}@{} skipped: {}",
                r.topic(),
                r.partition(),
                r.offset(),
                e.getMessage() == null ? e.toString() : e.getMessage());
            continue;
          }
          if (seen++ % every != 0) {
            continue;
          }
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
                  topics.name(Topic.FRAMES_TO_LABEL),
                  f.getFrameId(),
                  requests.encode(topics.name(Topic.FRAMES_TO_LABEL), req)),
              (md, e) -> {
                if (e != null) {
                  log.error(
                      "cold start: request for {} not written: {}", f.getFrameId(), e.toString());
                }
              });
          requested++;
        }
        backoff.reset();
      } catch (WakeupException e) {
        return; // closing
      } catch (org.apache.kafka.common.KafkaException e) {
        long pause = backoff.nextMillis();
        log.warn("cold start: {}; retrying in {} ms", e.toString(), pause);
        try {
          Thread.sleep(pause);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      } catch (RuntimeException e) {
        log.error("cold start stopped", e);
        failed = true;
        return;
      }
    }
    producer.flush();
    log.info(
        "cold start: {} frames requested for labeling ({} unreadable records skipped); the"
            + " model's own requests take over",
        requested,
        skipped);
  }

  /** Unreadable records skipped so far. */
  public long skipped() {
    return skipped;
  }

  /** False once the cold start ended on an error it could not get past. */
  public boolean healthy() {
    return !failed;
  }

  @Override
  public void close() throws InterruptedException {
    loop.close();
    producer.close();
  }
}
