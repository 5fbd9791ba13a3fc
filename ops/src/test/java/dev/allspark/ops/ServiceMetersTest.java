package dev.allspark.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

class ServiceMetersTest {
  @Test
  void everySeriesCarriesServiceAndInstanceAndTheJvmAndProcessBindersAreThere() {
    try (ServiceMeters m = new ServiceMeters("trainer", "pod-7")) {
      String text = m.scrape();
      for (String series :
          new String[] {
            "jvm_memory_used_bytes",
            "jvm_threads_live_threads",
            "jvm_classes_loaded_classes",
            "process_cpu_usage",
            "system_cpu_count",
            "process_uptime_seconds",
            "process_files_open_files",
            "jvm_info"
          }) {
        assertThat(PrometheusText.value(text, series, "service", "trainer", "instance", "pod-7"))
            .as(series)
            .isNotNaN();
      }
      assertThat(text.lines().filter(l -> !l.startsWith("#") && !l.isBlank()))
          .allSatisfy(l -> assertThat(l).contains("instance=\"pod-7\"", "service=\"trainer\""));
    }
  }

  @Test
  void latencyIsAHistogramInSecondsAndDeadLettersAreCountedByReason() {
    try (ServiceMeters m = new ServiceMeters("inference", "a")) {
      m.latency("allspark.test.latency", "a test").record(Duration.ofMillis(30));
      m.deadLetter("bad-frame", "camera.frames.dlq").increment(2);
      m.deadLetter("tombstone", "camera.frames.dlq").increment();
      String text = m.scrape();
      // buckets that Prometheus can sum across replicas: 30 ms lies below the 0.05 s bound
      assertThat(text).contains("allspark_test_latency_seconds_bucket{");
      assertThat(PrometheusText.value(text, "allspark_test_latency_seconds_count")).isEqualTo(1.0);
      assertThat(PrometheusText.value(text, "allspark_test_latency_seconds_bucket", "le", "0.001"))
          .isEqualTo(0.0);
      assertThat(PrometheusText.value(text, "allspark_test_latency_seconds_bucket", "le", "+Inf"))
          .isEqualTo(1.0);
      assertThat(PrometheusText.value(text, "allspark_dead_letters_total", "reason", "bad-frame"))
          .isEqualTo(2.0);
      assertThat(PrometheusText.value(text, "allspark_dead_letters_total")).isEqualTo(3.0);
    }
  }

  @Test
  void aKafkaClientsMetricsComeWithItAndGoWhenItsBindingCloses() {
    try (ServiceMeters m = new ServiceMeters("trainer", "a");
        KafkaConsumer<String, String> c =
            new KafkaConsumer<>(
                Map.of("bootstrap.servers", "127.0.0.1:1", "client.id", "probe-client"),
                new StringDeserializer(),
                new StringDeserializer())) {
      ServiceMeters.Bound bound = m.bind(c);
      assertThat(m.scrape()).contains("client_id=\"probe-client\"");
      assertThat(PrometheusText.value(m.scrape(), "kafka_consumer_connection_count")).isNotNaN();
      bound.close();
      assertThat(m.scrape()).doesNotContain("probe-client");
    }
  }

  @Test
  void prometheusTextReadsLabelsWithEscapesAndRefusesOddPairs() {
    String text =
        "# HELP x_total a counter\n"
            + "x_total{a=\"1\",b=\"q\\\"uote\"} 2.0\n"
            + "x_total{a=\"2\",b=\"z\"} 3.0\n"
            + "x_total_other 9.0\n"
            + "x 7.0\n";
    assertThat(PrometheusText.value(text, "x_total")).isEqualTo(5.0);
    assertThat(PrometheusText.value(text, "x_total", "b", "q\"uote")).isEqualTo(2.0);
    assertThat(PrometheusText.value(text, "x_total", "a", "3")).isNaN();
    assertThat(PrometheusText.value(text, "x")).isEqualTo(7.0);
    assertThatThrownBy(() -> PrometheusText.value(text, "x", "a"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
