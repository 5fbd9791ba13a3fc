package dev.allspark.stack;

import dev.allspark.testkit.EmbeddedKafka;

/**
 * The broker a benchmark runs against: the one {@code --bootstrap} names, or a broker started in
 * this JVM for the run (and stopped when it is closed).
 */
final class BenchBroker implements AutoCloseable {
  private final EmbeddedKafka embedded;
  private final String servers;

  private BenchBroker(EmbeddedKafka embedded, String servers) {
    this.embedded = embedded;
    this.servers = servers;
  }

  /** {@code bootstrap} when given, else a new in-JVM broker; {@code bench} names the run. */
  static BenchBroker of(String bootstrap, String bench) throws Exception {
    if (bootstrap != null && !bootstrap.isBlank()) {
      return new BenchBroker(null, bootstrap);
    }
    System.err.println(bench + ": starting a Kafka broker in this JVM");
    EmbeddedKafka kafka = EmbeddedKafka.start();
    return new BenchBroker(kafka, kafka.bootstrapServers());
  }

  String servers() {
    return servers;
  }

  @Override
  public void close() throws Exception {
    if (embedded != null) {
      embedded.close();
    }
  }
}
