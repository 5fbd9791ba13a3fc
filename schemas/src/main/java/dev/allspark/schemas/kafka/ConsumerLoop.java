package dev.allspark.schemas.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer of byte-valued records polled on a thread of its own until it is closed (the bridge's
 * cold start, the demo's dashboard and simulated labelers). The one place that builds such a
 * reader's client settings and stops one cleanly: closing wakes the poll, waits for the thread,
 * then closes the consumer, so a poll never runs on a closed client.
 */
public final class ConsumerLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConsumerLoop.class);

  /** Largest record a reader fetches: a checkpoint chunk or a full-size frame fits. */
  public static final int MAX_FETCH_BYTES = 16 << 20;

  /** Allowed for the thread to end after {@link #close()} woke its poll. */
  private static final Duration JOIN = Duration.ofSeconds(10);

  /**
   * What the thread runs. It polls while {@code running} says so; the {@link WakeupException} a
   * poll throws once the loop is closed ends it quietly, any other exception ends it with an error
   * in the log (catch what should not).
   */
  @FunctionalInterface
  public interface Body {
    void run(KafkaConsumer<String, byte[]> consumer, BooleanSupplier running) throws Exception;
  }

  private final KafkaConsumer<String, byte[]> consumer;
  private final Thread thread;
  private volatile boolean running = true;

  /**
   * @param threadName names the thread and the loop in the log
   * @param config the consumer's settings, as from {@link #config}
   */
  public ConsumerLoop(String threadName, Map<String, Object> config, Body body) {
    this.consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    this.thread =
        new Thread(
            () -> {
              try {
                body.run(consumer, () -> running);
              } catch (WakeupException e) {
                if (running) {
                  log.error("{} woken while running", threadName, e);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (Exception e) {
                log.error("{} stopped", threadName, e);
              }
            },
            threadName);
  }

  /**
   * A reader's settings: the given client settings (bootstrap, security) with its group, where a
   * new group starts ({@code earliest} or {@code latest}), and fetches large enough for any of our
   * records.
   *
   * @param readCommitted true to see only committed transactions (what a downstream consumer sees)
   */
  public static Map<String, Object> config(
      Map<String, Object> kafka, String group, String offsetReset, boolean readCommitted) {
    Map<String, Object> c = new HashMap<>(kafka);
    c.put("group.id", group);
    c.put("auto.offset.reset", offsetReset);
    c.put("max.partition.fetch.bytes", MAX_FETCH_BYTES);
    if (readCommitted) {
      c.put("isolation.level", "read_committed");
    }
    return c;
  }

  /** {@link #config} with only a bootstrap address. */
  public static Map<String, Object> config(
      String bootstrap, String group, String offsetReset, boolean readCommitted) {
    return config(Map.of("bootstrap.servers", bootstrap), group, offsetReset, readCommitted);
  }

  public ConsumerLoop start() {
    thread.start();
    return this;
  }

  /** False once {@link #close()} was called. */
  public boolean running() {
    return running;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(JOIN.toMillis());
    consumer.close();
  }
}
