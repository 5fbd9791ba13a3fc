package dev.allspark.trainer.online;

import dev.allspark.ops.Threads;
import dev.allspark.schemas.kafka.Backoff;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer on its own thread, polling with a real timeout while the trainer computes.
 *
 * <p>A consumer polled only between training steps, without waiting, does network I/O only for
 * those instants: a fetch of several megabytes (labeled frames are a frame and a mask each) is then
 * read a socket buffer at a time, one step apart, outlives {@code request.timeout.ms}, is cancelled
 * and asked again, forever; labels that arrive while the trainer trains never reach it. Here the
 * consumer is polled continuously, each record goes to a handler on this thread, and the positions
 * reached are published for the trainer's checkpoints and publications. Offsets to commit are
 * handed over and committed on this thread (a consumer is not thread-safe).
 *
 * <p>An error from the client (an unreachable broker, a refused credential) is logged, shown in
 * {@link #problem()} and retried with a growing pause; the thread ends only when closed. Should it
 * end any other way, {@link #alive()} turns false, which the trainer's liveness reports.
 */
final class Intake implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Intake.class);

  private final String name;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Consumer<KafkaConsumer<String, byte[]>> setUp;
  private final Consumer<ConsumerRecord<String, byte[]>> handler;
  private final Thread thread;
  private final AtomicReference<Map<TopicPartition, Long>> toCommit = new AtomicReference<>();
  private volatile Map<TopicPartition, Long> positions = Map.of();
  private volatile boolean running = true;
  private volatile boolean ended;
  private volatile String problem;
  private volatile long handled;

  /**
   * @param setUp assigns or subscribes the consumer; runs on the intake's thread
   * @param handler takes each record, in order; runs on the intake's thread
   */
  Intake(
      String name,
      KafkaConsumer<String, byte[]> consumer,
      Consumer<KafkaConsumer<String, byte[]>> setUp,
      Consumer<ConsumerRecord<String, byte[]>> handler) {
    this.name = name;
    this.consumer = consumer;
    this.setUp = setUp;
    this.handler = handler;
    this.thread = Threads.daemon(this::run, "intake-" + name);
  }

  Intake start() {
    thread.start();
    return this;
  }

  private void run() {
    try {
      setUp.accept(consumer);
      Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30));
      while (running) {
        try {
          for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            handler.accept(r);
            handled++;
          }
          Map<TopicPartition, Long> now = new HashMap<>();
          for (TopicPartition tp : consumer.assignment()) {
            now.put(tp, consumer.position(tp));
          }
          positions = Map.copyOf(now);
          Map<TopicPartition, Long> commit = toCommit.getAndSet(null);
          if (commit != null && !commit.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            commit.forEach((tp, o) -> offsets.put(tp, new OffsetAndMetadata(o)));
            consumer.commitAsync(offsets, null);
          }
          if (problem != null) {
            log.info("{}: consuming again", name);
          }
          problem = null;
          backoff.reset();
        } catch (WakeupException e) {
          // close() or a halt: the loop condition decides
        } catch (KafkaException e) {
          problem = e.getClass().getSimpleName() + ": " + e.getMessage();
          long pause = backoff.nextMillis();
          log.warn("{}: {}; retrying in {} ms", name, problem, pause);
          Thread.sleep(pause);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (WakeupException e) {
      // closed during set-up
    } catch (RuntimeException | Error e) {
      problem = "stopped: " + e;
      log.error("{} stopped", name, e);
    } finally {
      ended = true;
    }
  }

  /** The next offset to read per assigned partition, after every record handed over so far. */
  Map<TopicPartition, Long> positions() {
    return positions;
  }

  /** Commits these offsets to the consumer's group on the intake's thread, soon. */
  void commitLater(Map<TopicPartition, Long> offsets) {
    toCommit.set(Map.copyOf(offsets));
  }

  /** Records handed to the handler so far. */
  long handled() {
    return handled;
  }

  /** The last client error, while it lasts, or null. */
  String problem() {
    return problem;
  }

  /** False once the thread has ended without being closed. */
  boolean alive() {
    return !ended || !running;
  }

  /** Stops the thread and closes the consumer. */
  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    boolean interrupted = false;
    long end = System.nanoTime() + 30_000_000_000L;
    while (thread.isAlive() && System.nanoTime() < end) {
      try {
        thread.join(1_000);
      } catch (InterruptedException e) {
        interrupted = true; // the consumer must not be closed while its thread uses it
      }
    }
    if (thread.isAlive()) {
      log.error("{}: the intake thread did not stop; its consumer is left open", name);
    } else {
      consumer.close(Duration.ofSeconds(5));
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
