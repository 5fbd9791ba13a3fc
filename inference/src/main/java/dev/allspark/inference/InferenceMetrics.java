package dev.allspark.inference;

import dev.allspark.ops.ServiceMeters;
import dev.allspark.schemas.kafka.DeadLetters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The service's meters ({@link ServiceMeters}: JVM, process and Kafka client binders, common tags)
 * and its own, scraped from {@code /metrics} in Prometheus format.
 */
final class InferenceMetrics implements AutoCloseable {
  final ServiceMeters meters;
  private final String dlqTopic;
  final Counter frames;
  final Counter swaps;
  final Counter aborted;
  final DistributionSummary batchSize;
  final Timer modelLatency;
  final Timer endToEnd;
  final AtomicLong lastSwapPauseNanos = new AtomicLong();
  final AtomicLong version = new AtomicLong(-1);
  final AtomicLong lag = new AtomicLong();
  final AtomicLong deadLettered = new AtomicLong();
  private final Map<String, Timer> stages = new LinkedHashMap<>();
  private volatile Consumer<FrameTrace> traceListener;

  /** Meters of their own, for tests of one part. */
  InferenceMetrics() {
    this(new ServiceMeters("inference"), "camera.frames.dlq");
  }

  InferenceMetrics(ServiceMeters meters, String dlqTopic) {
    this.meters = meters;
    this.dlqTopic = dlqTopic;
    var registry = meters.registry();
    frames = Counter.builder("allspark.inference.frames").register(registry);
    swaps = Counter.builder("allspark.inference.model.swaps").register(registry);
    aborted =
        Counter.builder("allspark.inference.transactions.aborted")
            .description(
                "micro-batch transactions that failed and were aborted; their frames are read"
                    + " again")
            .register(registry);
    batchSize =
        DistributionSummary.builder("allspark.inference.batch.size")
            .description("frames per micro-batch")
            .serviceLevelObjectives(1, 2, 4, 8, 16, 32)
            .register(registry);
    modelLatency =
        meters.latency(
            "allspark.inference.model.latency",
            "forward pass and post-processing of one micro-batch");
    endToEnd =
        meters.latency(
            "allspark.inference.end.to.end.latency",
            "capture to produced (committed with its transaction)");
    for (String stage : FrameTrace.STAGES) {
      stages.put(
          stage,
          Timer.builder("allspark.inference.stage.latency")
              .description(
                  "one frame's time in each stage, capture to commit (FrameTrace: delivery, queue,"
                      + " decode, model, encode, commit)")
              .tag("stage", stage)
              .publishPercentileHistogram()
              .minimumExpectedValue(Duration.ofMillis(1))
              .maximumExpectedValue(Duration.ofSeconds(60))
              .register(registry));
    }
    Gauge.builder("allspark.inference.model.version", version, AtomicLong::get).register(registry);
    Gauge.builder(
            "allspark.inference.model.swap.last.pause.seconds",
            lastSwapPauseNanos,
            n -> n.get() / 1e9)
        .register(registry);
    Gauge.builder("allspark.inference.consumer.lag", lag, AtomicLong::get)
        .description("records of camera.frames not yet processed by this instance")
        .register(registry);
  }

  Counter labelRequests(String reason) {
    return Counter.builder("allspark.inference.label.requests")
        .tag("reason", reason)
        .register(meters.registry());
  }

  /** {@code n} frames went to {@code camera.frames.dlq} for {@code reason}. */
  void deadLettered(DeadLetters.Reason reason, int n) {
    meters.deadLetter(reason.code(), dlqTopic).increment(n);
    deadLettered.addAndGet(n);
  }

  /**
   * Where the committed frames' time went: capture to commit, the stage histograms, and the
   * listener if one is set.
   */
  void traced(List<FrameTrace> traces) {
    Consumer<FrameTrace> listener = traceListener;
    for (FrameTrace t : traces) {
      endToEnd.record(Duration.ofNanos((long) (t.endToEndMs() * 1e6)));
      for (Map.Entry<String, Timer> stage : stages.entrySet()) {
        stage.getValue().record(Duration.ofNanos((long) (t.stageMs(stage.getKey()) * 1e6)));
      }
      if (listener != null) {
        listener.accept(t);
      }
    }
  }

  void traceListener(Consumer<FrameTrace> listener) {
    this.traceListener = listener;
  }

  @Override
  public void close() {
    meters.close();
  }
}
