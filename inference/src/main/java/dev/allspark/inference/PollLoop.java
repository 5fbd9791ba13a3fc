package dev.allspark.inference;

import dev.allspark.ops.ServiceMeters;
import dev.allspark.ops.Threads;
import dev.allspark.schemas.kafka.Topic;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inference service's poll thread: it owns the consumer and the transactional producer, gathers
 * micro-batches, hands them to the worker thread ({@link MicroBatch}), and writes each batch's
 * records with its offsets in one transaction; on a rebalance the batch in hand is committed before
 * the partitions go. See {@link InferenceService} for the design.
 *
 * <p>Some 360 lines: the consumer, the transactional producer, the rebalance listener and the
 * commit's failure path all work on the poll thread's own state (the frames in hand, the batch in
 * flight), so they stay in one class rather than pass that state back and forth.
 */
final class PollLoop {
  private static final Logger log = LoggerFactory.getLogger(PollLoop.class);
  private final InferenceSettings settings;
  private final InferenceMetrics metrics;
  private final ModelSlot slot;
  private final MicroBatch microBatch;
  private final String framesTopic;
  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(Threads.daemons("inference-worker"));

  private volatile boolean running = true;
  private volatile boolean halted;
  private volatile String fatal;
  private volatile KafkaConsumer<String, byte[]> consumer;
  private volatile boolean consuming;

  /** Owned by the poll thread. */
  private final ArrayDeque<MicroBatch.Received> pending = new ArrayDeque<>();

  private Future<MicroBatch.Batch> inFlight;

  PollLoop(
      InferenceSettings settings, InferenceMetrics metrics, ModelSlot slot, MicroBatch microBatch) {
    this.settings = settings;
    this.metrics = metrics;
    this.slot = slot;
    this.microBatch = microBatch;
    this.framesTopic = settings.topics().name(Topic.CAMERA_FRAMES);
  }

  Map<String, Object> clientConfig() {
    Map<String, Object> config = new HashMap<>(settings.kafkaOverrides());
    config.put("bootstrap.servers", settings.bootstrap());
    return config;
  }

  String fatal() {
    return fatal;
  }

  boolean running() {
    return running;
  }

  boolean consuming() {
    return consuming;
  }

  /** Ends the loop; a halt leaves the open transaction as a killed process would. */
  void stop(boolean halt) {
    halted |= halt;
    running = false;
    KafkaConsumer<String, byte[]> c = consumer;
    if (halt && c != null) {
      c.wakeup();
    }
  }

  void shutdown() {
    worker.shutdownNow();
  }

  void run() {
    try {
      // 1. consume nothing until there is a model to serve with
      while (running && slot.swap() == null) {
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
              new KafkaProducer<>(pc, new StringSerializer(), new ByteArraySerializer());
          ServiceMeters.Bound consumerMeters = metrics.meters.bind(c);
          ServiceMeters.Bound producerMeters = metrics.meters.bind(producer)) {
        consumer = c;
        producer.initTransactions();
        c.subscribe(List.of(framesTopic), new Rebalance(c, producer));
        consuming = true;
        log.info("consuming {} as group {}", framesTopic, settings.groupId());
        long lastLag = 0;
        while (running) {
          // while the worker runs, poll in short steps: its batch is committed within a
          // millisecond of the forward pass ending (FrameTrace's commit stage)
          for (ConsumerRecord<String, byte[]> r :
              c.poll(Duration.ofMillis(inFlight == null ? 10 : 1))) {
            pending.add(new MicroBatch.Received(r));
          }
          MicroBatch.Batch done = null;
          if (inFlight != null && inFlight.isDone()) {
            done = takeInFlight();
          }
          // the next batch goes to the worker before the finished one's transaction, so the
          // model does not wait for the broker
          if (inFlight == null && readyToDispatch()) {
            dispatch();
          }
          if (done != null) {
            commit(c, producer, done);
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
    List<MicroBatch.Received> batch = new ArrayList<>(settings.maxBatch());
    while (!pending.isEmpty() && batch.size() < settings.maxBatch()) {
      batch.add(pending.pollFirst());
    }
    inFlight = worker.submit(() -> microBatch.run(batch, slot.swap()));
  }

  private MicroBatch.Batch takeInFlight() {
    Future<MicroBatch.Batch> f = inFlight;
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
      KafkaConsumer<String, byte[]> c,
      KafkaProducer<String, byte[]> producer,
      MicroBatch.Batch batch) {
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
      metrics.aborted.increment();
      try {
        producer.abortTransaction();
      } catch (KafkaException ignored) {
        // the abort itself failed; the broker's transaction timeout aborts it
      }
      // the batch dispatched after it holds later frames: drop it too, and read both again
      Map<TopicPartition, Long> rewind = new HashMap<>();
      if (inFlight != null) {
        Future<MicroBatch.Batch> next = inFlight;
        inFlight = null;
        try {
          rewind.putAll(next.get().firstOffsets());
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while dropping a micro-batch", ie);
        } catch (ExecutionException ee) {
          throw new IllegalStateException("micro-batch failed: " + ee.getCause(), ee.getCause());
        }
      }
      rewind.putAll(batch.firstOffsets()); // earlier than the next batch's on a shared partition
      for (Map.Entry<TopicPartition, Long> first : rewind.entrySet()) {
        if (c.assignment().contains(first.getKey())) {
          c.seek(first.getKey(), first.getValue());
        }
      }
      pending.removeIf(
          r -> rewind.containsKey(new TopicPartition(r.record().topic(), r.record().partition())));
      return;
    }
    long now = System.currentTimeMillis();
    long nowNanos = System.nanoTime();
    metrics.frames.increment(batch.results().size());
    batch.dlq().forEach(metrics::deadLettered);
    batch.requests().forEach((reason, n) -> metrics.labelRequests(reason).increment(n));
    metrics.traced(batch.clock().traces(nowNanos, now));
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

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
