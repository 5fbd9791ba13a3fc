package dev.allspark.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * One service's meters, scraped from {@code /metrics} in Prometheus' text format: what every
 * Prometheus user expects of a JVM service, in one place.
 *
 * <ul>
 *   <li>Common tags on every series: {@code service} (ingest, labeling-bridge, trainer, inference)
 *       and {@code instance} (the pod name in Kubernetes, {@code HOSTNAME}, else the host name;
 *       {@code ALLSPARK_INSTANCE} overrides it). Prometheus keeps its own {@code instance} target
 *       label and shows ours as {@code exported_instance} unless the scrape sets {@code
 *       honor_labels}.
 *   <li>Micrometer's JVM binders (memory, GC, threads, class loading, JVM info) and process binders
 *       (CPU, uptime, open file descriptors).
 *   <li>Kafka's own client metrics for every producer, consumer and admin client the service binds
 *       ({@link #bind(Producer)}), tagged with the client id; the series go when the client does.
 *   <li>Latency timers ({@link #latency}) publish a histogram ({@code _bucket} series), so a p99
 *       can be computed across replicas with {@code histogram_quantile}; names are in base units
 *       (seconds, bytes) and counters end in {@code _total}.
 * </ul>
 */
public final class ServiceMeters implements AutoCloseable {
  /** Meters bound to one client; closing removes them. */
  public interface Bound extends AutoCloseable {
    @Override
    void close();
  }

  /** The Prometheus name of the dead-letter counter ({@link #deadLetter}). */
  public static final String DEAD_LETTERS = "allspark.dead.letters";

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<AutoCloseable> bound = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService kafkaRefresh =
      Executors.newSingleThreadScheduledExecutor(Threads.daemons("meters-kafka-refresh"));

  /** Meters for {@code service} on this instance ({@link #instanceName()}). */
  public ServiceMeters(String service) {
    this(service, instanceName());
  }

  public ServiceMeters(String service, String instance) {
    registry
        .config()
        .commonTags(
            "service",
            Objects.requireNonNull(service, "service"),
            "instance",
            Objects.requireNonNull(instance, "instance"));
    JvmGcMetrics gc = new JvmGcMetrics();
    bound.add(gc);
    for (MeterBinder b :
        List.of(
            new JvmMemoryMetrics(),
            gc,
            new JvmThreadMetrics(),
            new ClassLoaderMetrics(),
            new JvmInfoMetrics(),
            new ProcessorMetrics(),
            new UptimeMetrics(),
            new FileDescriptorMetrics())) {
      b.bindTo(registry);
    }
  }

  /** {@code ALLSPARK_INSTANCE}, else {@code HOSTNAME} (the pod name), else the host's name. */
  public static String instanceName() {
    for (String env : new String[] {"ALLSPARK_INSTANCE", "HOSTNAME"}) {
      String v = System.getenv(env);
      if (v != null && !v.isBlank()) {
        return v.trim();
      }
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "unknown";
    }
  }

  /** The registry, for the service's own meters. */
  public MeterRegistry registry() {
    return registry;
  }

  /** Everything in Prometheus' text format (the {@code /metrics} route). */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * Binds Kafka's metrics of {@code producer}; close the handle with the client (the series are
   * removed then).
   */
  public Bound bind(Producer<?, ?> producer) {
    return track(new KafkaClientMetrics(producer, List.of(), kafkaRefresh));
  }

  /** Binds Kafka's metrics of {@code consumer}; close the handle with the client. */
  public Bound bind(Consumer<?, ?> consumer) {
    return track(new KafkaClientMetrics(consumer, List.of(), kafkaRefresh));
  }

  /** Binds Kafka's metrics of {@code admin}; close the handle with the client. */
  public Bound bind(AdminClient admin) {
    return track(new KafkaClientMetrics(admin, List.of(), kafkaRefresh));
  }

  /**
   * Binds a binder that is closed with these meters (for example Kafka Streams' metrics, from a
   * module that has Streams).
   */
  public <B extends MeterBinder & AutoCloseable> AutoCloseable bind(B binder) {
    return track(binder);
  }

  private <B extends MeterBinder & AutoCloseable> Bound track(B binder) {
    binder.bindTo(registry);
    bound.add(binder);
    return () -> {
      bound.remove(binder);
      try {
        binder.close();
      } catch (Exception e) {
        throw new IllegalStateException("cannot unbind " + binder, e);
      }
    };
  }

  /**
   * A latency timer published as a Prometheus histogram (buckets from 1 ms to 60 s), aggregatable
   * across replicas.
   */
  public Timer latency(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry);
  }

  /**
   * The dead-letter counter for one reason (its stable code) and dead-letter topic: {@code
   * allspark_dead_letters_total{reason, topic}}, the same name in every service.
   */
  public Counter deadLetter(String reasonCode, String topic) {
    return Counter.builder(DEAD_LETTERS)
        .description("records sent to a dead-letter topic, by reason code")
        .tag("reason", reasonCode)
        .tag("topic", topic)
        .register(registry);
  }

  @Override
  public void close() {
    for (AutoCloseable b : bound) {
      try {
        b.close();
      } catch (Exception ignored) {
        // closing meters must not stop a shutdown
      }
    }
    bound.clear();
    kafkaRefresh.shutdownNow();
    registry.close();
  }
}
