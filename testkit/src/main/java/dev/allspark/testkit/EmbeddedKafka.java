package dev.allspark.testkit;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka cluster in this JVM: one combined KRaft controller and broker from
 * {@code KafkaClusterTestKit}, with replication factors of 1 and no initial rebalance delay. The
 * tests and the local stack ({@code bin/allspark demo}) use it; it listens on a free loopback port
 * and keeps its logs in a temporary folder deleted on close.
 */
public final class EmbeddedKafka implements KafkaBroker {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

  static {
    // see the comment in the file: one configuration for the broker's log4j-core, not the YAML
    // of kafka-test-common-runtime, which log4j cannot read here
    if (System.getProperty("log4j2.configurationFile") == null) {
      System.setProperty("log4j2.configurationFile", "allspark-embedded-log4j2.properties");
    }
  }

  /** Broker settings for a one-node cluster; topics may raise their own size limit. */
  public static Map<String, String> singleNodeSettings() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("offsets.topic.replication.factor", "1");
    settings.put("offsets.topic.num.partitions", "4");
    settings.put("transaction.state.log.replication.factor", "1");
    settings.put("transaction.state.log.min.isr", "1");
    settings.put("transaction.state.log.num.partitions", "4");
    settings.put("share.coordinator.state.topic.replication.factor", "1");
    settings.put("share.coordinator.state.topic.min.isr", "1");
    settings.put("default.replication.factor", "1");
    settings.put("min.insync.replicas", "1");
    settings.put("group.initial.rebalance.delay.ms", "0");
    settings.put("auto.create.topics.enable", "false");
    settings.put("message.max.bytes", Integer.toString(16 << 20));
    settings.put("replica.fetch.max.bytes", Integer.toString(16 << 20));
    return settings;
  }

  private final KafkaClusterTestKit cluster;

  private EmbeddedKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /** Formats and starts the cluster and waits until its broker is ready. */
  public static EmbeddedKafka start() {
    return start(Map.of());
  }

  /** As {@link #start()}, with extra broker settings over {@link #singleNodeSettings()}. */
  public static EmbeddedKafka start(Map<String, String> extraSettings) {
    return start(extraSettings, null);
  }

  /**
   * As {@link #start(Map)}, with the broker's data in {@code baseDirectory} (an empty folder the
   * caller owns and deletes). Without one the test kit uses a temporary folder that it deletes in a
   * JVM shutdown hook, which races with a graceful shutdown of services still using the broker;
   * long-running processes (the demo) pass their own.
   */
  public static EmbeddedKafka start(
      Map<String, String> extraSettings, java.nio.file.Path baseDirectory) {
    long begin = System.nanoTime();
    KafkaClusterTestKit cluster = null;
    try {
      TestKitNodes.Builder nodeBuilder =
          new TestKitNodes.Builder()
              .setCombined(true)
              .setNumBrokerNodes(1)
              .setNumControllerNodes(1);
      if (baseDirectory != null) {
        nodeBuilder.setBaseDirectory(baseDirectory);
      }
      TestKitNodes nodes = nodeBuilder.build();
      KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
      Map<String, String> settings = singleNodeSettings();
      settings.putAll(extraSettings);
      settings.forEach(builder::setConfigProp);
      cluster = builder.build();
      // formatting prints to standard output; commands that print JSON there must not get it
      java.io.PrintStream stdout = System.out;
      System.setOut(System.err);
      try {
        cluster.format();
      } finally {
        System.setOut(stdout);
      }
      cluster.startup();
      cluster.waitForReadyBrokers();
      EmbeddedKafka kafka = new EmbeddedKafka(cluster);
      LOG.info(
          "in-JVM Kafka broker ready at {} in {} ms",
          kafka.bootstrapServers(),
          (System.nanoTime() - begin) / 1_000_000);
      return kafka;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly(cluster, e);
      throw new IllegalStateException("interrupted while starting the in-JVM Kafka broker", e);
    } catch (Exception e) {
      closeQuietly(cluster, e);
      throw new IllegalStateException("cannot start the in-JVM Kafka broker: " + e, e);
    }
  }

  private static void closeQuietly(KafkaClusterTestKit cluster, Exception failure) {
    if (cluster != null) {
      try {
        cluster.close();
      } catch (Exception e) {
        failure.addSuppressed(e);
      }
    }
  }

  @Override
  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  @Override
  public void close() {
    try {
      cluster.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping the in-JVM Kafka broker", e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop the in-JVM Kafka broker cleanly: " + e, e);
    }
  }
}
