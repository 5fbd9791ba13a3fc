package dev.allspark.inference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** The service's Micrometer meters, scraped from {@code /metrics} in Prometheus format. */
final class InferenceMetrics {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final Counter frames = Counter.builder("allspark.inference.frames").register(registry);
  final Counter dlq = Counter.builder("allspark.inference.dlq").register(registry);
  final Counter swaps = Counter.builder("allspark.inference.model.swaps").register(registry);
  final DistributionSummary batchSize =
      DistributionSummary.builder("allspark.inference.batch.size").register(registry);
  final Timer modelLatency =
      Timer.builder("allspark.inference.model.latency")
          .description("forward pass and post-processing of one micro-batch")
          .publishPercentiles(0.5, 0.99)
          .register(registry);
  final Timer endToEnd =
      Timer.builder("allspark.inference.end.to.end.latency")
          .description("capture to produced")
          .publishPercentiles(0.5, 0.99)
          .register(registry);
  final AtomicLong lastSwapPauseNanos = new AtomicLong();
  final AtomicLong version = new AtomicLong(-1);
  final AtomicLong lag = new AtomicLong();

  InferenceMetrics() {
    Gauge.builder("allspark.inference.model.version", version, AtomicLong::get).register(registry);
    Gauge.builder(
            "allspark.inference.model.swap.last.pause.seconds",
            lastSwapPauseNanos,
            n -> n.get() / 1e9)
        .register(registry);
    Gauge.builder("allspark.inference.consumer.lag", lag, AtomicLong::get).register(registry);
  }

  Counter labelRequests(String reason) {
    return Counter.builder("allspark.inference.label.requests")
        .tag("reason", reason)
        .register(registry);
  }

  void endToEnd(long capturedMillis, long producedMillis) {
    endToEnd.record(Duration.ofMillis(Math.max(0, producedMillis - capturedMillis)));
  }
}
