package dev.allspark.inference;

import dev.allspark.model.Segmenter;
import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.LabelReason;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.Segmentation;
import dev.allspark.schemas.SegmentationTimings;
import dev.allspark.schemas.images.FrameDecoder;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.DeadLetters;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.ops.OpsServer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segmentation service: exactly one {@code Segmentation} per frame of {@code camera.frames}.
 *
 * <p>Design. The poll thread owns the consumer and the transactional producer. It gathers frames
 * into a micro-batch (up to {@code maxBatch}, or what arrived within {@code maxWait}), hands the
 * batch to the worker thread and pauses its partitions while the worker runs the model, but keeps
 * polling, so the group never sees it as stuck however long a forward pass takes. When the worker
 * is done, the poll thread writes the batch's results, DLQ records and label requests and commits
 * the batch's consumer offsets in one Kafka transaction (read_committed readers see all of a batch
 * or none of it). A crash before the commit aborts the transaction and the frames are read again
 * from the committed offsets; so every frame has exactly one committed result. On a rebalance the
 * in-flight batch is finished and committed before the partitions go.
 *
 * <p>The worker takes a newly loaded model from the {@link ModelFollower} between micro-batches; a
 * swap is one reference exchange, and the old model is closed off the serving path.
 */
public final class InferenceService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(InferenceService.class);
  public static final String REASON_HEADER = DeadLetters.REASON_HEADER;

  private final InferenceSettings settings;
  private final InferenceMetrics metrics = new InferenceMetrics();
  private final ModelFollower follower;
  private final FrameDecoder decoder;
  private final LabelRequestPolicy policy;
  private final AvroSerde<CameraFrame> frameSerde = new AvroSerde<>(CameraFrame.class);
  private final AvroSerde<Segmentation> segmentationSerde = new AvroSerde<>(Segmentation.class);
  private final AvroSerde<LabelRequest> requestSerde = new AvroSerde<>(LabelRequest.class);
  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "inference-worker");
            t.setDaemon(true);
            return t;
          });
  private final Thread pollThread;
  private final OpsServer ops;
  private final String framesTopic;
  private final String segmentationsTopic;
  private final String dlqTopic;
  private final String toLabelTopic;

  private volatile boolean running = true;
  private volatile boolean halted;
  private volatile String fatal;
  private volatile KafkaConsumer<String, byte[]> consumer;
  private volatile boolean consuming;
  private final List<Long> swapPausesNanos =
      java.util.Collections.synchronizedList(new ArrayList<>());

  /** Used by the worker thread (by the poll thread only before the worker starts). */
  private volatile ServingModel model;

  /** Owned by the poll thread. */
  private final ArrayDeque<Received> pending = new ArrayDeque<>();

  private Future<Batch> inFlight;

  private record Received(ConsumerRecord<String, byte[]> record, long receivedAt) {}

  /** What one micro-batch produces; written and committed by the poll thread. */
  private record Batch(
      List<ProducerRecord<String, byte[]>> records,
      Map<TopicPartition, OffsetAndMetadata> offsets,
      Map<TopicPartition, Long> firstOffsets,
      List<Segmentation> results,
      int dlq,
      Map<String, Integer> requests) {}

  public InferenceService(InferenceSettings settings) {
    this.settings = settings;
    this.framesTopic = settings.topics().name(Topic.CAMERA_FRAMES);
    this.segmentationsTopic = settings.topics().name(Topic.SEGMENTATIONS);
    this.dlqTopic = settings.topics().name(Topic.CAMERA_FRAMES_DLQ);
    this.toLabelTopic = settings.topics().name(Topic.FRAMES_TO_LABEL);
    this.decoder = new FrameDecoder(settings.maxFrameBytes(), settings.maxFramePixels());
    this.policy =
        new LabelRequestPolicy(
            settings.labelRequestsPerMinute(),
            settings.labelFraction(),
            settings.auditFraction(),
            settings.seed(),
            System::currentTimeMillis);
    Map<String, Object> followerConfig = clientConfig();
    followerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    followerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    followerConfig.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 << 20);
    followerConfig.put(
        ConsumerConfig.CLIENT_ID_CONFIG, "allspark-inference-models-" + settings.instanceId());
    this.follower =
        new ModelFollower(
            settings.topics().name(Topic.MODEL_CHECKPOINTS),
            followerConfig,
            settings.modelVersion(),
            settings.inputWidth(),
            settings.inputHeight());
    this.pollThread = new Thread(this::pollLoop, "inference-poll");
    this.ops =
        settings.httpPort() >= 0
            ? new OpsServer(
                    settings.httpPort(),
                    "inference",
                    metrics.registry::scrape,
                    () -> {
                      Health h = health();
                      return new OpsServer.Health(h.ready(), h.json());
                    })
                .liveness(this::live)
            : null;
  }

  private Map<String, Object> clientConfig() {
    Map<String, Object> config = new HashMap<>(settings.kafkaOverrides());
    config.put("bootstrap.servers", settings.bootstrap());
    return config;
  }

  /** Starts following checkpoints, the HTTP endpoints and, once a model is loaded, consuming. */
  public InferenceService start() {
    if (ops != null) {
      ops.start();
    }
    follower.start();
    pollThread.start();
    return this;
  }

  /** Port of /metrics and /health, or -1 without a server. */
  public int httpPort() {
    return ops == null ? -1 : ops.port();
  }

  /** What the health endpoint reports. */
  public record Health(
      boolean ready,
      long modelVersion,
      String status,
      Map<Long, String> refused,
      List<Long> available) {
    /** The body of {@code /health}. */
    public String json() {
      StringBuilder r = new StringBuilder("{");
      for (Map.Entry<Long, String> e : refused.entrySet()) {
        if (r.length() > 1) {
          r.append(',');
        }
        r.append('"').append(e.getKey()).append("\":").append(OpsServer.quote(e.getValue()));
      }
      r.append('}');
      return "{\"ready\":"
          + ready
          + ",\"modelVersion\":"
          + modelVersion
          + ",\"status\":"
          + OpsServer.quote(status)
          + ",\"availableVersions\":"
          + available
          + ",\"refusedVersions\":"
          + r
          + "}";
    }
  }

  /**
   * Liveness: false when the service cannot recover by itself (its model follower or its poll
   * thread died), so an orchestrator restarts it. A broker away or a refused credential is not
   * that: the follower retries and says why in {@code /health}.
   */
  public boolean live() {
    return fatal == null && follower.alive();
  }

  public Health health() {
    long version = metrics.version.get();
    String problem = fatal != null ? fatal : follower.problem();
    boolean ready = fatal == null && version >= 0 && running;
    String status;
    if (fatal != null) {
      status = "failed: " + fatal;
    } else if (version < 0) {
      status =
          "waiting, consuming nothing: " + (problem == null ? "loading the first model" : problem);
    } else if (problem != null) {
      status = "serving version " + version + "; " + problem;
    } else {
      status = "serving version " + version;
    }
    return new Health(
        ready, version, status, new HashMap<>(follower.refused()), follower.available());
  }

  /** Swap pauses seen so far: how long the worker spent exchanging models, in nanoseconds. */
  public List<Long> swapPausesNanos() {
    synchronized (swapPausesNanos) {
      return new ArrayList<>(swapPausesNanos);
    }
  }

  public double framesProcessed() {
    return metrics.frames.count();
  }

  /** Where serving is, for a status line or a dashboard. */
  public record Progress(
      long modelVersion, long frames, long swaps, long consumerLag, long deadLettered) {}

  public Progress progress() {
    return new Progress(
        metrics.version.get(),
        (long) metrics.frames.count(),
        (long) metrics.swaps.count(),
        metrics.lag.get(),
        (long) metrics.dlq.count());
  }

  // ------------------------------------------------------------------ poll thread

  private void pollLoop() {
    try {
      // 1. consume nothing until there is a model to serve with
      while (running && !swapIfReady()) {
        sleepQuietly(100);
      }
      if (!running) {
        return;
      }
      Map<String, Object> cc = clientConfig();
      cc.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
      cc.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      cc.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      cc.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      cc.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxBatch());
      cc.put(
          ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
          Math.max(1 << 20, settings.maxFrameBytes() + (1 << 16)));
      cc.put(ConsumerConfig.CLIENT_ID_CONFIG, "allspark-inference-" + settings.instanceId());
      Map<String, Object> pc = clientConfig();
      pc.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "allspark-inference-" + settings.instanceId());
      pc.put(
          ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
          (int) settings.transactionTimeout().toMillis());
      pc.put(ProducerConfig.ACKS_CONFIG, "all");
      pc.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      pc.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 << 20);
      pc.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
      pc.put(ProducerConfig.LINGER_MS_CONFIG, 5);
      pc.put(ProducerConfig.CLIENT_ID_CONFIG, "allspark-inference-" + settings.instanceId());
      try (KafkaConsumer<String, byte[]> c =
              new KafkaConsumer<>(cc, new StringDeserializer(), new ByteArrayDeserializer());
          KafkaProducer<String, byte[]> producer =
              new KafkaProducer<>(pc, new StringSerializer(), new ByteArraySerializer())) {
        consumer = c;
        producer.initTransactions();
        c.subscribe(List.of(framesTopic), new Rebalance(c, producer));
        consuming = true;
        log.info("consuming {} as group {}", framesTopic, settings.groupId());
        long lastLag = 0;
        while (running) {
          for (ConsumerRecord<String, byte[]> r :
              c.poll(Duration.ofMillis(inFlight == null ? 10 : 5))) {
            pending.add(new Received(r, System.currentTimeMillis()));
          }
          if (inFlight != null && inFlight.isDone()) {
            commit(c, producer, takeInFlight());
          }
          if (inFlight == null && readyToDispatch()) {
            dispatch();
          }
          // back-pressure: fetch nothing more while the worker is busy and a batch is waiting
          boolean hold = inFlight != null && pending.size() >= settings.maxBatch();
          if (hold) {
            c.pause(c.assignment());
          } else if (!c.paused().isEmpty()) {
            c.resume(c.paused());
          }
          if (System.currentTimeMillis() - lastLag > 1000) {
            lastLag = System.currentTimeMillis();
            metrics.lag.set(lag(c));
          }
        }
        if (!halted) {
          // clean stop: finish and commit what is in hand
          if (inFlight != null) {
            commit(c, producer, takeInFlight());
          }
          while (!pending.isEmpty()) {
            dispatch();
            commit(c, producer, takeInFlight());
          }
        } else {
          producer.close(Duration.ZERO);
        }
      }
    } catch (ProducerFencedException | InvalidProducerEpochException e) {
      fatal =
          "fenced by another instance with transactional id allspark-inference-"
              + settings.instanceId()
              + ": "
              + e.getMessage();
      log.error(fatal);
    } catch (WakeupException e) {
      // halted
    } catch (RuntimeException | Error e) {
      if (!halted) {
        fatal = e.toString();
        log.error("inference stopped", e);
      }
    } finally {
      consuming = false;
    }
  }

  private boolean readyToDispatch() {
    if (pending.isEmpty()) {
      return false;
    }
    return pending.size() >= settings.maxBatch()
        || System.currentTimeMillis() - pending.peekFirst().receivedAt()
            >= settings.maxWait().toMillis();
  }

  private void dispatch() {
    List<Received> batch = new ArrayList<>(settings.maxBatch());
    while (!pending.isEmpty() && batch.size() < settings.maxBatch()) {
      batch.add(pending.pollFirst());
    }
    inFlight = worker.submit(() -> process(batch));
  }

  private Batch takeInFlight() {
    Future<Batch> f = inFlight;
    inFlight = null;
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the model", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("micro-batch failed: " + e.getCause(), e.getCause());
    }
  }

  /** Writes a batch's records and commits its offsets in one transaction. */
  private void commit(
      KafkaConsumer<String, byte[]> c, KafkaProducer<String, byte[]> producer, Batch batch) {
    if (halted) {
      return;
    }
    try {
      producer.beginTransaction();
      for (ProducerRecord<String, byte[]> r : batch.records()) {
        producer.send(r);
      }
      producer.sendOffsetsToTransaction(batch.offsets(), c.groupMetadata());
      producer.commitTransaction();
    } catch (ProducerFencedException | InvalidProducerEpochException e) {
      throw e;
    } catch (KafkaException e) {
      // the batch is not committed: abort and read its frames again
      log.warn("transaction failed, frames will be read again: {}", e.toString());
      try {
        producer.abortTransaction();
      } catch (KafkaException ignored) {
        // the abort itself failed; the broker's transaction timeout aborts it
      }
      for (Map.Entry<TopicPartition, Long> first : batch.firstOffsets().entrySet()) {
        if (c.assignment().contains(first.getKey())) {
          c.seek(first.getKey(), first.getValue());
        }
      }
      pending.removeIf(
          r ->
              batch
                  .offsets()
                  .containsKey(new TopicPartition(r.record().topic(), r.record().partition())));
      return;
    }
    long now = System.currentTimeMillis();
    metrics.frames.increment(batch.results().size());
    metrics.dlq.increment(batch.dlq());
    batch.requests().forEach((reason, n) -> metrics.labelRequests(reason).increment(n));
    for (Segmentation s : batch.results()) {
      metrics.endToEnd(s.getTimings().getCaptured().toEpochMilli(), now);
    }
  }

  private long lag(KafkaConsumer<String, byte[]> c) {
    long total = 0;
    for (TopicPartition tp : c.assignment()) {
      total += c.currentLag(tp).orElse(0);
    }
    return total + pending.size();
  }

  /** Finishes and commits the in-flight batch before partitions go to another member. */
  private final class Rebalance implements ConsumerRebalanceListener {
    private final KafkaConsumer<String, byte[]> c;
    private final KafkaProducer<String, byte[]> producer;

    Rebalance(KafkaConsumer<String, byte[]> c, KafkaProducer<String, byte[]> producer) {
      this.c = c;
      this.producer = producer;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (halted || partitions.isEmpty()) {
        return;
      }
      if (inFlight != null) {
        commit(c, producer, takeInFlight());
      }
      // frames fetched but not processed are read again by the new owner from the committed offset
      Set<TopicPartition> gone = new HashSet<>(partitions);
      pending.removeIf(
          r -> gone.contains(new TopicPartition(r.record().topic(), r.record().partition())));
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      if (inFlight != null) {
        inFlight.cancel(false);
        inFlight = null;
      }
      Set<TopicPartition> gone = new HashSet<>(partitions);
      pending.removeIf(
          r -> gone.contains(new TopicPartition(r.record().topic(), r.record().partition())));
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
  }

  // ------------------------------------------------------------------ worker thread

  /** Takes a newly loaded model, if one waits; the old one is closed off the serving path. */
  private boolean swapIfReady() {
    ServingModel next = follower.takeReady();
    if (next != null) {
      long t0 = System.nanoTime();
      ServingModel old = model;
      model = next;
      metrics.version.set(next.version());
      long pause = System.nanoTime() - t0;
      follower.served(next.version());
      if (old != null) {
        follower.retire(old);
        metrics.swaps.increment();
        metrics.lastSwapPauseNanos.set(pause);
        swapPausesNanos.add(pause);
      }
      log.info(
          "serving model version {}{}",
          next.version(),
          old == null ? "" : " (was " + old.version() + ")");
    }
    return model != null;
  }

  private Batch process(List<Received> batch) {
    swapIfReady();
    ServingModel m = model;
    List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
    Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
    Map<TopicPartition, Long> firstOffsets = new LinkedHashMap<>();
    List<Received> good = new ArrayList<>();
    List<CameraFrame> goodFrames = new ArrayList<>();
    List<BufferedImage> images = new ArrayList<>();
    int dlq = 0;
    for (Received r : batch) {
      ConsumerRecord<String, byte[]> rec = r.record();
      TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
      offsets.put(tp, new OffsetAndMetadata(rec.offset() + 1));
      firstOffsets.putIfAbsent(tp, rec.offset());
      String reason;
      try {
        if (rec.value() == null) {
          throw new FrameDecoder.BadFrame("a record without a value (a tombstone): no frame");
        }
        CameraFrame frame = frameSerde.decode(rec);
        images.add(decoder.decode(frame));
        goodFrames.add(frame);
        good.add(r);
        continue;
      } catch (FrameDecoder.BadFrame e) {
        reason = e.getMessage();
      } catch (RuntimeException e) {
        reason = "unreadable record: " + e.getMessage();
      }
      out.add(deadLetter(rec, reason));
      dlq++;
    }
    List<Segmentation> results = new ArrayList<>();
    Map<String, Integer> requests = new HashMap<>();
    if (!images.isEmpty()) {
      long t0 = System.nanoTime();
      List<Segmenter.Result> segs = m.segment(images);
      long modelDone = System.currentTimeMillis();
      metrics.modelLatency.record(Duration.ofNanos(System.nanoTime() - t0));
      metrics.batchSize.record(images.size());
      for (int i = 0; i < segs.size(); i++) {
        CameraFrame frame = goodFrames.get(i);
        Segmenter.Result s = segs.get(i);
        long[] counts = new long[m.numClasses()];
        for (int c : s.classes()) {
          counts[c]++;
        }
        List<Long> countList = new ArrayList<>(counts.length);
        for (long n : counts) {
          countList.add(n);
        }
        Segmentation result =
            Segmentation.newBuilder()
                .setFrameId(frame.getFrameId())
                .setCameraId(frame.getCameraId())
                .setVehicleId(frame.getVehicleId())
                .setModelVersion(m.version())
                .setWidth(s.width())
                .setHeight(s.height())
                .setMask(ByteBuffer.wrap(maskPng(s)))
                .setClassPixelCounts(countList)
                .setMeanConfidence(s.meanConfidence())
                .setUncertainty(s.meanEntropy())
                .setTimings(
                    SegmentationTimings.newBuilder()
                        .setCaptured(frame.getCaptureTime())
                        .setReceived(Instant.ofEpochMilli(good.get(i).receivedAt()))
                        .setModelDone(Instant.ofEpochMilli(modelDone))
                        .setProduced(Instant.ofEpochMilli(System.currentTimeMillis()))
                        .build())
                .build();
        results.add(result);
        out.add(
            new ProducerRecord<>(
                segmentationsTopic, frame.getFrameId(), segmentationSerde.encode(result)));
        LabelReason reason = policy.decide(s.meanEntropy());
        if (reason != null) {
          LabelRequest request =
              LabelRequest.newBuilder()
                  .setFrameId(frame.getFrameId())
                  .setFrame(frame)
                  .setReason(reason)
                  .setScore(s.meanEntropy())
                  .setModelVersion(m.version())
                  .setRequestedAt(Instant.now())
                  .build();
          out.add(
              new ProducerRecord<>(toLabelTopic, frame.getFrameId(), requestSerde.encode(request)));
          requests.merge(reason.name().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
        }
      }
    }
    return new Batch(out, offsets, firstOffsets, results, dlq, requests);
  }

  private ProducerRecord<String, byte[]> deadLetter(
      ConsumerRecord<String, byte[]> rec, String reason) {
    Headers headers =
        DeadLetters.headers(rec.headers(), reason, rec.topic(), rec.partition(), rec.offset());
    log.warn(
        "frame at {}/{}@{} to the DLQ: {}", rec.topic(), rec.partition(), rec.offset(), reason);
    return new ProducerRecord<>(dlqTopic, null, rec.key(), rec.value(), headers);
  }

  static byte[] maskPng(Segmenter.Result s) {
    BufferedImage mask = new BufferedImage(s.width(), s.height(), BufferedImage.TYPE_BYTE_GRAY);
    byte[] raster = ((java.awt.image.DataBufferByte) mask.getRaster().getDataBuffer()).getData();
    int[] classes = s.classes();
    for (int i = 0; i < classes.length; i++) {
      raster[i] = (byte) classes[i];
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      ImageIO.write(mask, "png", bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** True once the service is consuming frames (it has a model). */
  public boolean consuming() {
    return consuming;
  }

  /**
   * Stops at once, as a killed process would: the open transaction is neither committed nor
   * aborted, offsets are not committed, clients are closed without waiting. For tests of crash
   * safety.
   */
  public void halt() {
    halted = true;
    running = false;
    KafkaConsumer<String, byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    join();
    shutdownRest();
  }

  /** Clean stop: the batch in hand is finished and committed. */
  @Override
  public void close() {
    running = false;
    join();
    shutdownRest();
  }

  private void join() {
    try {
      pollThread.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void shutdownRest() {
    worker.shutdownNow();
    follower.close();
    if (ops != null) {
      ops.close();
    }
    ServingModel m = model;
    model = null;
    if (m != null) {
      m.close();
    }
    metrics.registry.close();
  }
}
