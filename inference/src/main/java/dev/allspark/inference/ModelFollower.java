package dev.allspark.inference;

import dev.allspark.ops.LogContext;
import dev.allspark.ops.ServiceMeters;
import dev.allspark.ops.Threads;
import dev.allspark.schemas.CheckpointManifest;
import dev.allspark.schemas.kafka.Backoff;
import dev.allspark.schemas.kafka.CheckpointTopic;
import dev.allspark.schemas.kafka.Errors;
import dev.allspark.schemas.kafka.Partitions;
import dev.allspark.schemas.kafka.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code model.checkpoints} from its beginning: reassembles and verifies each published
 * file, decides which version to serve (the newest, or the pinned one), and loads and warms it on a
 * background thread, and offers it to the {@link ModelSlot}, which swaps it in between
 * micro-batches; nothing here blocks the worker. A file that fails verification or loading is
 * refused with its reason and the model being served stays. The topic is read through {@link
 * CheckpointTopic.Reader}; the choice of version is {@link #next} (never back, a pin honoured,
 * refused versions skipped).
 *
 * <p>Some 360 lines: the client loop with its retries and the version choice belong together, as
 * the choice runs on the records the loop reads; the choice itself is {@link #next}, a pure
 * function.
 */
final class ModelFollower implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelFollower.class);
  static final int FILES_KEPT = 2;
  private final String topic;
  private final Map<String, Object> consumerConfig;
  private final OptionalLong pinned;
  private final InputSize inputSize;
  private final Thread thread;
  private final ExecutorService loader =
      Executors.newSingleThreadExecutor(Threads.daemons("model-loader"));
  private final CheckpointTopic.Reader reader = CheckpointTopic.Reader.files();
  private final ModelSlot slot;

  private final NavigableMap<Long, CheckpointManifest> manifests = new ConcurrentSkipListMap<>();
  private final NavigableMap<Long, byte[]> files = new ConcurrentSkipListMap<>();
  private final Map<Long, String> refused = new ConcurrentHashMap<>();
  private final dev.allspark.schemas.labels.ClassSet classes;
  private final AtomicReference<String> problem = new AtomicReference<>();
  private volatile boolean caughtUp;
  private volatile boolean running = true;
  private volatile long chosen = -1;
  private volatile KafkaConsumer<String, byte[]> consumer;
  private final ServiceMeters meters;

  /**
   * @param settings the deployment's checkpoint topic, pinned version, input size and class set
   * @param consumerConfig the checkpoint reader's client settings
   */
  ModelFollower(
      InferenceSettings settings,
      Map<String, Object> consumerConfig,
      ModelSlot slot,
      ServiceMeters meters) {
    this.topic = settings.topics().name(Topic.MODEL_CHECKPOINTS);
    this.pinned = settings.modelVersion();
    this.inputSize = settings.inputSize();
    this.classes = settings.classes();
    this.consumerConfig = consumerConfig;
    this.slot = slot;
    this.meters = meters;
    this.thread = Threads.daemon(this::run, "model-follower");
  }

  void start() {
    thread.start();
  }

  /** Versions with a verified file or manifest seen on the topic. */
  List<Long> available() {
    return new ArrayList<>(manifests.keySet());
  }

  Map<Long, String> refused() {
    return Collections.unmodifiableMap(refused);
  }

  /** Why the service cannot serve what it should, or null when all is well. */
  String problem() {
    String p = problem.get();
    if (p != null) {
      return p;
    }
    if (!caughtUp) {
      return "reading " + topic + " up to its end";
    }
    if (pinned.isPresent()) {
      long v = pinned.getAsLong();
      if (refused.containsKey(v)) {
        return "pinned version " + v + " was refused: " + refused.get(v);
      }
      if (!manifests.containsKey(v)) {
        return "pinned version "
            + v
            + " does not exist on "
            + topic
            + " (available: "
            + available()
            + ")";
      }
    } else if (manifests.isEmpty()) {
      return "no checkpoint on " + topic + " yet";
    }
    if (slot.servedVersion() < 0) {
      return "loading version " + chosen;
    }
    return null;
  }

  private void run() {
    Backoff backoff = Backoff.standard();
    while (running) {
      KafkaConsumer<String, byte[]> c;
      try {
        c =
            new KafkaConsumer<>(
                consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
      } catch (KafkaException e) {
        // a setting the client refuses (a SASL mechanism without its JAAS entry, ...): no retry
        // can help; liveness turns false and the reason is in /health and the log
        problem.set(
            "model follower stopped: the Kafka client settings are refused: " + Errors.describe(e));
        log.error("model follower stopped: the Kafka client settings are refused", e);
        return;
      }
      try (c;
          ServiceMeters.Bound bound = meters.bind(c)) {
        consumer = c;
        if (!running) {
          return;
        }
        follow(c);
        return;
      } catch (WakeupException e) {
        return; // closing
      } catch (KafkaException e) {
        // broker away, a refused credential, a topic deleted: say so, and try again
        problem.set("cannot read " + topic + ": " + e.getMessage());
        long pause = backoff.nextMillis();
        log.warn("cannot read {}: {}; retrying in {} ms", topic, e.toString(), pause);
        sleep(pause);
      } catch (RuntimeException | Error e) {
        problem.set("model follower stopped: " + e);
        log.error("model follower stopped", e);
        return;
      }
    }
  }

  private void follow(KafkaConsumer<String, byte[]> c) {
    List<TopicPartition> partitions = Partitions.await(c, topic, () -> running, problem::set);
    if (partitions.isEmpty()) {
      return;
    }
    Map<TopicPartition, Long> end = Partitions.rewind(c, partitions);
    reader.restart(); // from the beginning: nothing half-read
    problem.set(null);
    while (running) {
      for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(200))) {
        accept(record);
      }
      if (!caughtUp) {
        if (Partitions.reached(c, end)) {
          caughtUp = true;
          log.info("read {} up to its end: versions {} available", topic, available());
        }
      }
      if (caughtUp) {
        choose();
      }
    }
  }

  /**
   * False once the follower's thread ended by itself: the service cannot follow models any more.
   */
  boolean alive() {
    return !running || thread.getState() != Thread.State.TERMINATED;
  }

  private void accept(ConsumerRecord<String, byte[]> record) {
    CheckpointTopic.Outcome outcome = reader.accept(record);
    if (outcome instanceof CheckpointTopic.Removed removed) {
      // a tombstone: the trainer removed an old version (retention)
      if (removed.version() != chosen) {
        manifests.remove(removed.version());
        files.remove(removed.version());
      }
    } else if (outcome instanceof CheckpointTopic.Unreadable u) {
      log.error("unreadable record on {} at offset {}: {}", topic, u.offset(), u.reason());
    } else if (outcome instanceof CheckpointTopic.Complete complete) {
      long v = complete.checkpoint().version();
      manifests.put(v, complete.checkpoint().manifest());
      refused.remove(v);
      if (keepFile(v)) {
        files.put(v, complete.checkpoint().file());
        trimFiles();
      }
      try (var c = LogContext.version(v)) {
        log.info(
            "checkpoint version {} verified ({} bytes)", v, complete.checkpoint().file().length);
      }
    } else if (outcome instanceof CheckpointTopic.Rejected rejected) {
      refused.put(rejected.refusal().version(), rejected.refusal().reason());
      try (var c = LogContext.version(rejected.refusal().version())) {
        log.error(
            "checkpoint version {} refused: {}",
            rejected.refusal().version(),
            rejected.refusal().reason());
      }
    }
  }

  /** Files worth holding: the pinned version's, or (following the newest) newer than served. */
  private boolean keepFile(long v) {
    return pinned.isPresent() ? v == pinned.getAsLong() : v > chosen;
  }

  /**
   * While following the newest, at most {@link #FILES_KEPT} files wait in memory (the newest and
   * one to fall back to should it fail to load): catching up over hundreds of published versions no
   * longer holds all their bytes.
   */
  private void trimFiles() {
    if (pinned.isPresent()) {
      return;
    }
    while (files.size() > FILES_KEPT) {
      files.pollFirstEntry();
    }
  }

  /**
   * The version to load next, if any. Pinned: the pinned version, once its file is here and unless
   * it was refused. Following the newest: the newest version with a file that was not refused, and
   * only when it is newer than the one chosen (following the newest never goes back, not even when
   * the newest is refused and an older one is still here).
   *
   * @param withFile versions whose verified file is held
   * @param chosen the version being served or loaded, or -1
   */
  static OptionalLong next(
      OptionalLong pinned, NavigableSet<Long> withFile, Set<Long> refused, long chosen) {
    long target;
    if (pinned.isPresent()) {
      target = pinned.getAsLong();
      if (!withFile.contains(target)) {
        return OptionalLong.empty();
      }
    } else {
      Long newest = null;
      for (Long v : withFile.descendingSet()) {
        if (!refused.contains(v)) {
          newest = v;
          break;
        }
      }
      if (newest == null || newest <= chosen) {
        return OptionalLong.empty();
      }
      target = newest;
    }
    if (target == chosen || refused.contains(target)) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(target);
  }

  /** Loads the version {@link #next} picks, if any. */
  private void choose() {
    OptionalLong target = next(pinned, files.navigableKeySet(), refused.keySet(), chosen);
    if (target.isEmpty()) {
      return;
    }
    long previous = chosen;
    long v = target.getAsLong();
    chosen = v;
    byte[] file = files.get(v);
    loader.execute(() -> load(v, file, previous));
  }

  private void load(long version, byte[] file, long previous) {
    long t0 = System.nanoTime();
    try (var c = LogContext.version(version)) {
      ServingModel model = ServingModel.load(version, file, inputSize, classes);
      String input = model.inputSize();
      slot.offer(model);
      log.info(
          "model version {} loaded in {} ms; the network sees frames at {}",
          version,
          (System.nanoTime() - t0) / 1_000_000,
          input);
      // older files are never needed again: following the newest does not go back, and a pinned
      // version is the only one a pinned service loads
      files.headMap(version, false).clear();
    } catch (RuntimeException | Error e) {
      String reason = e.getMessage() == null ? e.toString() : e.getMessage();
      refused.put(version, "loading failed: " + reason);
      files.remove(version);
      log.error("checkpoint version {} refused, loading failed: {}", version, reason);
      chosen = previous;
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    running = false;
    KafkaConsumer<String, byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    loader.shutdown();
    try {
      loader.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
