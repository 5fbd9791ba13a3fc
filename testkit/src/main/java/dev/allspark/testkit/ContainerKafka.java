package dev.allspark.testkit;

import org.testcontainers.kafka.KafkaContainer;

/**
 * Apache Kafka (KRaft, {@code apache/kafka} image) in a Docker container through Testcontainers,
 * for machines with a Docker engine. Chosen with {@code -Dallspark.test.kafka=testcontainers}.
 */
final class ContainerKafka implements KafkaBroker {
  static final String IMAGE_PROPERTY = "allspark.test.kafka.image";

  private final KafkaContainer container;

  private ContainerKafka(KafkaContainer container) {
    this.container = container;
  }

  static ContainerKafka start() {
    String image = System.getProperty(IMAGE_PROPERTY, "apache/kafka:4.1.0");
    KafkaContainer container = new KafkaContainer(image);
    EmbeddedKafka.singleNodeSettings()
        .forEach(
            (key, value) ->
                container.withEnv("KAFKA_" + key.toUpperCase().replace('.', '_'), value));
    container.start();
    return new ContainerKafka(container);
  }

  @Override
  public String bootstrapServers() {
    return container.getBootstrapServers();
  }

  @Override
  public void close() {
    container.stop();
  }
}
