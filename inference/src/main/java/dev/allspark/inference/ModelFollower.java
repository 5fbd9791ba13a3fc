package dev.allspark.inference;

import dev.allspark.schemas.CheckpointManifest;
import dev.allspark.schemas.CheckpointRecord;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.CheckpointTopic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code model.checkpoints} from its beginning: reassembles and verifies each published
 * file, decides which version to serve (the newest, or the pinned one), and loads and warms it on a
 * background thread. The inference worker takes a ready model between micro-batches ({@link
 * #takeReady()}); nothing here blocks it. A file that fails verification or loading is refused with
 * its reason and the model being served stays.
 */
final class ModelFollower implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelFollower.class);
  private final String topic;
  private final Map<String, Object> consumerConfig;
  private final OptionalLong pinned;
  private final int inputWidth;
  private final int inputHeight;
  private final Thread thread;
  private final ExecutorService loader =
      Executors.newSingleThreadExecutor(r -> daemon(r, "model-loader"));
  private final AvroSerde<CheckpointRecord> serde = new AvroSerde<>(CheckpointRecord.class);
  private final CheckpointTopic.Assembler assembler = new CheckpointTopic.Assembler();

  private final NavigableMap<Long, CheckpointManifest> manifests = new ConcurrentSkipListMap<>();
  private final NavigableMap<Long, byte[]> files = new ConcurrentSkipListMap<>();
  private final Map<Long, String> refused = new ConcurrentHashMap<>();
  private final AtomicReference<ServingModel> ready = new AtomicReference<>();
  private final AtomicReference<String> problem = new AtomicReference<>();
  private volatile boolean caughtUp;
  private volatile boolean running = true;
  private volatile long chosen = -1;
  private volatile long servedVersion = -1;
  private volatile KafkaConsumer<String, byte[]> consumer;

  ModelFollower(
      String topic,
      Map<String, Object> consumerConfig,
      OptionalLong pinned,
      int inputWidth,
      int inputHeight) {
    this.topic = topic;
    this.consumerConfig = consumerConfig;
    this.pinned = pinned;
    this.inputWidth = inputWidth;
    this.inputHeight = inputHeight;
    this.thread = daemon(this::run, "model-follower");
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  void start() {
    thread.start();
  }

  /** A loaded, warmed model waiting to be swapped in, or null. The caller owns it. */
  ServingModel takeReady() {
    return ready.getAndSet(null);
  }

  /** The worker reports the version it now serves. */
  void served(long version) {
    servedVersion = version;
  }

  /** Closes a model that is no longer served, off the worker thread. */
  void retire(ServingModel model) {
    loader.execute(model::close);
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
    if (servedVersion < 0) {
      return "loading version " + chosen;
    }
    return null;
  }

  private void run() {
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(
            consumerConfig, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer = c;
      List<TopicPartition> partitions = partitions(c);
      if (partitions == null) {
        return;
      }
      c.assign(partitions);
      c.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = c.endOffsets(partitions);
      while (running) {
        for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(200))) {
          accept(record);
        }
        if (!caughtUp) {
          boolean all = true;
          for (TopicPartition tp : partitions) {
            all &= c.position(tp) >= end.get(tp);
          }
          if (all) {
            caughtUp = true;
            log.info("read {} up to its end: versions {} available", topic, available());
          }
        }
        if (caughtUp) {
          choose();
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      problem.set("model follower stopped: " + e);
      log.error("model follower stopped", e);
    }
  }

  private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c) {
    while (running) {
      List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
      if (infos != null && !infos.isEmpty()) {
        problem.set(null);
        List<TopicPartition> out = new ArrayList<>();
        for (PartitionInfo info : infos) {
          out.add(new TopicPartition(topic, info.partition()));
        }
        return out;
      }
      problem.set("topic " + topic + " does not exist yet");
      sleep(1000);
    }
    return null;
  }

  private void accept(ConsumerRecord<String, byte[]> record) {
    CheckpointRecord value;
    try {
      value = serde.decode(record);
    } catch (RuntimeException e) {
      log.error("unreadable record on {} at offset {}: {}", topic, record.offset(), e.getMessage());
      return;
    }
    CheckpointTopic.Outcome outcome = assembler.accept(value);
    if (outcome instanceof CheckpointTopic.Complete complete) {
      long v = complete.checkpoint().version();
      manifests.put(v, complete.checkpoint().manifest());
      files.put(v, complete.checkpoint().file());
      refused.remove(v);
      log.info("checkpoint version {} verified ({} bytes)", v, complete.checkpoint().file().length);
    } else if (outcome instanceof CheckpointTopic.Rejected rejected) {
      refused.put(rejected.refusal().version(), rejected.refusal().reason());
      log.error(
          "checkpoint version {} refused: {}",
          rejected.refusal().version(),
          rejected.refusal().reason());
    }
  }

  /** Picks the version to serve and loads it when it is not the chosen one already. */
  private void choose() {
    long target;
    if (pinned.isPresent()) {
      target = pinned.getAsLong();
      if (!files.containsKey(target)) {
        return;
      }
    } else {
      Long newest = null;
      for (Long v : files.descendingKeySet()) {
        if (!refused.containsKey(v)) {
          newest = v;
          break;
        }
      }
      if (newest == null || newest <= chosen) {
        return; // following the newest never goes backwards
      }
      target = newest;
    }
    if (target == chosen || refused.containsKey(target)) {
      return;
    }
    long previous = chosen;
    chosen = target;
    byte[] file = files.get(target);
    loader.execute(() -> load(target, file, previous));
  }

  private void load(long version, byte[] file, long previous) {
    long t0 = System.nanoTime();
    try {
      ServingModel model = ServingModel.load(version, file, inputWidth, inputHeight);
      ServingModel replaced = ready.getAndSet(model);
      if (replaced != null) {
        replaced.close();
      }
      log.info(
          "model version {} loaded and warmed in {} ms",
          version,
          (System.nanoTime() - t0) / 1_000_000);
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
    ServingModel pending = ready.getAndSet(null);
    if (pending != null) {
      pending.close();
    }
    loader.shutdown();
    try {
      loader.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
