package dev.allspark.trainer.online;

import dev.allspark.model.Checkpoint;
import dev.allspark.ops.Threads;
import dev.allspark.schemas.TopicPartitionOffset;
import dev.allspark.schemas.kafka.CheckpointPublisher;
import dev.allspark.schemas.kafka.Errors;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes checkpoints to {@code model.checkpoints} on its own thread, so that an unreachable
 * broker delays publication but never stops training.
 *
 * <p>The trainer hands over a checkpoint and goes on; a newer one handed over before the older is
 * out replaces it (the topic only ever needs the newest good model, and versions stay increasing; a
 * skipped version number is never published). A checkpoint is written in one transaction (its
 * chunks and its manifest, whose parent is the last version this trainer committed). When a
 * transaction fails (the broker is down past {@code delivery.timeout.ms} or {@code max.block.ms}, a
 * leader moved, ...) the producer is closed and a new one, with the same transactional id, aborts
 * whatever the old one left open; the checkpoint is tried again after a pause that doubles up to
 * {@link #MAX_PAUSE}. Only a fenced producer (another trainer with the same group took over) ends
 * publication for good: two trainers must not publish under one name.
 *
 * <p>Why some 340 lines: the hand-over, the retry loop and the producer's life (open, fence, abort,
 * reopen) are one state machine on one thread; the version numbering and the retention tombstones
 * it writes depend on what that machine last committed.
 */
final class Publisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Publisher.class);
  static final Duration MAX_PAUSE = Duration.ofSeconds(30);

  /** A checkpoint to publish, with what its manifest says. */
  record Pending(
      long version,
      byte[] file,
      Map<String, Double> metrics,
      List<TopicPartitionOffset> watermark,
      double miou) {}

  /** Told of every version committed to the topic. */
  interface Listener {
    void published(Pending p, long committedAtMillis);
  }

  private final Supplier<KafkaProducer<String, byte[]>> producers;
  private final String topic;
  private final Listener listener;
  private final Thread thread;
  private final Object lock = new Object();
  private Pending pending;
  private boolean busy;
  private volatile boolean running = true;
  private volatile long committed;
  private volatile String problem;
  private volatile String fatal;
  private volatile long failures;
  private final int retain;
  private final java.util.Set<Long> pinned;

  /** Versions on the topic (not yet removed) and their chunk counts. */
  private final java.util.TreeMap<Long, Integer> onTopic = new java.util.TreeMap<>();

  private volatile long removed;

  /**
   * @param producers makes a transactional producer (initTransactions not yet called)
   * @param committed the version last committed to the topic by this trainer, or -1
   */
  Publisher(
      Supplier<KafkaProducer<String, byte[]>> producers,
      String topic,
      long committed,
      Listener listener) {
    this(producers, topic, committed, listener, 0, java.util.Set.of(), Map.of());
  }

  /**
   * @param retain versions kept on the topic; older ones get tombstones after each publication (0 =
   *     keep every version)
   * @param pinned versions never removed
   * @param onTopic versions already on the topic, with their chunk counts
   */
  Publisher(
      Supplier<KafkaProducer<String, byte[]>> producers,
      String topic,
      long committed,
      Listener listener,
      int retain,
      java.util.Set<Long> pinned,
      Map<Long, Integer> onTopic) {
    this.retain = retain;
    this.pinned = java.util.Set.copyOf(pinned);
    this.onTopic.putAll(onTopic);
    this.producers = producers;
    this.topic = topic;
    this.committed = committed;
    this.listener = listener;
    this.thread = Threads.daemon(this::run, "checkpoint-publisher");
  }

  Publisher start() {
    thread.start();
    return this;
  }

  /** Publishes this checkpoint soon, instead of any older one not yet out. */
  void submit(Pending p) {
    synchronized (lock) {
      if (pending != null) {
        log.info(
            "version {} replaces version {}, which was not out yet",
            p.version(),
            pending.version());
      }
      pending = p;
      lock.notifyAll();
    }
  }

  /** The version last committed, or -1. */
  long committed() {
    return committed;
  }

  /** Why the last attempt failed, while publication is being retried, or null. */
  String problem() {
    return fatal != null ? fatal : problem;
  }

  /** Why publication stopped for good, or null. */
  String fatal() {
    return fatal;
  }

  /** Failed attempts so far. */
  long failures() {
    return failures;
  }

  /** True while a checkpoint waits or is being written. */
  boolean idle() {
    synchronized (lock) {
      return pending == null && !busy;
    }
  }

  private void run() {
    KafkaProducer<String, byte[]> producer = null;
    long pauseMillis = 250;
    try {
      while (running) {
        Pending p;
        synchronized (lock) {
          while (running && pending == null) {
            lock.wait();
          }
          if (!running) {
            return;
          }
          p = pending;
          pending = null;
          busy = true;
        }
        try {
          if (producer == null) {
            producer = producers.get();
            producer.initTransactions();
          }
          int chunks = write(producer, p);
          committed = p.version();
          onTopic.put(p.version(), chunks);
          problem = null;
          pauseMillis = 250;
          listener.published(p, System.currentTimeMillis());
          if (!removeOld(producer)) {
            producer.close(Duration.ZERO); // a new one aborts what this one left open
            producer = null;
          }
        } catch (ProducerFencedException e) {
          fatal =
              "publication stopped: another trainer took over this transactional id ("
                  + e.getMessage()
                  + ")";
          log.error(fatal);
          return;
        } catch (KafkaException e) {
          failures++;
          problem = "publication of version " + p.version() + " failed: " + Errors.describe(e);
          log.warn("{}; retrying in {} ms", problem, pauseMillis);
          if (producer != null) {
            producer.close(Duration.ZERO);
            producer = null;
          }
          synchronized (lock) {
            if (pending == null) {
              pending = p; // unless a newer one came meanwhile
            }
            lock.wait(pauseMillis);
          }
          pauseMillis = Math.min(MAX_PAUSE.toMillis(), pauseMillis * 2);
        } finally {
          synchronized (lock) {
            busy = false;
            lock.notifyAll();
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (running) {
        fatal = "publication stopped: the publisher thread was interrupted";
        log.error(fatal);
      }
    } catch (RuntimeException | Error e) {
      fatal = "publication stopped: " + e;
      log.error("checkpoint publisher stopped", e);
    } finally {
      if (producer != null) {
        boolean interrupted = Thread.interrupted();
        try {
          producer.close(interrupted ? Duration.ZERO : Duration.ofSeconds(5));
        } catch (KafkaException e) {
          log.debug("closing the checkpoint producer: {}", e.toString());
        }
      }
    }
  }

  /**
   * Tombstones for every version beyond the newest {@code retain} (pinned ones and the one just
   * committed always stay), so that {@code model.checkpoints} (compacted) does not keep every
   * version ever published: a new inference instance reads the topic from its beginning. A failure
   * here is logged and tried again after the next publication.
   */
  private boolean removeOld(KafkaProducer<String, byte[]> producer) {
    if (retain <= 0 || onTopic.size() <= retain) {
      return true;
    }
    List<Long> old = new java.util.ArrayList<>();
    int kept = 0;
    for (Long v : onTopic.descendingKeySet()) {
      if (kept < retain || v == committed) {
        kept++;
      } else if (!pinned.contains(v)) {
        old.add(v);
      }
    }
    if (old.isEmpty()) {
      return true;
    }
    try {
      producer.beginTransaction();
      CheckpointPublisher out = new CheckpointPublisher(producer, topic);
      for (Long v : old) {
        out.remove(v, onTopic.get(v));
      }
      producer.commitTransaction();
      old.forEach(onTopic::remove);
      removed += old.size();
      log.info("removed {} old checkpoint version(s) from {}: {}", old.size(), topic, old);
      return true;
    } catch (ProducerFencedException e) {
      throw e;
    } catch (KafkaException e) {
      log.warn("removing old checkpoint versions {} failed, will try again: {}", old, e.toString());
      return false;
    }
  }

  /** Old versions removed by tombstones so far. */
  long removed() {
    return removed;
  }

  /** Writes one checkpoint in one transaction; returns its chunk count. */
  private int write(KafkaProducer<String, byte[]> producer, Pending p) {
    producer.beginTransaction();
    int chunks =
        new CheckpointPublisher(producer, topic)
            .send(
                new CheckpointPublisher.Version(
                    p.version(),
                    committed > 0 ? committed : null,
                    p.file(),
                    Checkpoint.FORMAT,
                    p.metrics(),
                    p.watermark()));
    producer.commitTransaction();
    return chunks;
  }

  /**
   * Waits up to {@code wait} for the pending checkpoint to be committed, then stops.
   *
   * @return true when nothing was left unpublished
   */
  boolean drain(Duration wait) {
    long end = System.nanoTime() + wait.toNanos();
    synchronized (lock) {
      while ((pending != null || busy) && fatal == null && System.nanoTime() < end) {
        try {
          lock.wait(Math.max(1, (end - System.nanoTime()) / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      // a publisher that stopped (fenced, failed, interrupted) left its last checkpoint out
      return pending == null && !busy && fatal == null && thread.isAlive();
    }
  }

  /** False once the thread has ended without being closed. */
  boolean alive() {
    return thread.isAlive() || !running || fatal != null;
  }

  @Override
  public void close() {
    running = false;
    synchronized (lock) {
      lock.notifyAll();
    }
    try {
      thread.join(2_000);
      if (thread.isAlive()) {
        thread.interrupt(); // blocked in the client (a broker away): give up the attempt
        thread.join(10_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
