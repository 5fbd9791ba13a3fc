package dev.allspark.testkit;

/** A running Kafka cluster that clients can reach. */
public interface KafkaBroker extends AutoCloseable {
  /** The {@code bootstrap.servers} value for clients. */
  String bootstrapServers();

  @Override
  void close();
}
