package dev.allspark.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives tests a real Kafka broker: a {@link KafkaBroker} parameter (of a
 * test method, a lifecycle method or the constructor) receives it.
 *
 * <p>One broker serves every test class of a test JVM (it is started on first use and closed when
 * the JVM's tests end), so tests use their own topic names. The kind is chosen by the system
 * property {@code allspark.test.kafka}: {@code embedded} (the default: the in-JVM KRaft broker of
 * {@link EmbeddedKafka}) or {@code testcontainers} (Apache Kafka in Docker, where an engine runs).
 */
public final class KafkaBrokerExtension implements ParameterResolver {
  public static final String KIND_PROPERTY = "allspark.test.kafka";

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == KafkaBroker.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .computeIfAbsent(
            SharedBroker.class, k -> new SharedBroker(startConfigured()), SharedBroker.class)
        .broker;
  }

  static KafkaBroker startConfigured() {
    String kind = System.getProperty(KIND_PROPERTY, "embedded").strip();
    return switch (kind) {
      case "embedded" -> EmbeddedKafka.start();
      case "testcontainers" -> ContainerKafka.start();
      default ->
          throw new IllegalArgumentException(
              "-D" + KIND_PROPERTY + "=" + kind + ": expected 'embedded' or 'testcontainers'");
    };
  }

  /** Closes the broker when the root context (the whole test run) closes. */
  private record SharedBroker(KafkaBroker broker) implements AutoCloseable {
    @Override
    public void close() {
      broker.close();
    }
  }
}
