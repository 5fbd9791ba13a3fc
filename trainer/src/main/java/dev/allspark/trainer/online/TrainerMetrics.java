package dev.allspark.trainer.online;

import dev.allspark.ops.ServiceMeters;
import dev.allspark.schemas.kafka.DeadLetters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What the online trainer reports: its progress values (written by the training thread, read by
 * anyone) and the Micrometer meters over them, scraped from {@code /metrics}.
 */
final class TrainerMetrics implements AutoCloseable {
  final ServiceMeters meters = new ServiceMeters("trainer");
  private final MeterRegistry registry = meters.registry();
  final AtomicLong step = new AtomicLong();
  volatile float lastSupervised = Float.NaN;
  volatile float lastUnsupervised = Float.NaN;
  volatile double stepsPerSecond;
  volatile double lastMiou = Double.NaN;
  volatile long publishedVersion = -1;
  volatile double publishedMiou = Double.NaN;
  volatile long publishedAtMillis;
  final Counter labelsSeen = Counter.builder("allspark.trainer.labels.seen").register(registry);
  final Counter labelsRejected =
      Counter.builder("allspark.trainer.labels.rejected").register(registry);
  final Counter withheld =
      Counter.builder("allspark.trainer.checkpoints.withheld").register(registry);
  final Counter refused =
      Counter.builder("allspark.trainer.steps.refused")
          .description(
              "updates the gradient guard refused (non-finite or absurd gradient norm); 0 in a"
                  + " healthy run")
          .register(registry);

  TrainerMetrics(FrameWindow window, LabeledSet labeled, Supplier<Publisher> publisher) {
    FunctionCounter.builder(
            "allspark.trainer.publication.failures",
            publisher,
            p -> p.get() == null ? 0 : p.get().failures())
        .description("failed attempts to publish a checkpoint (each is retried)")
        .register(registry);
    FunctionCounter.builder("allspark.trainer.step", step, AtomicLong::get)
        .description("training steps taken (restored from the saved state on a restart)")
        .register(registry);
    Gauge.builder("allspark.trainer.loss.supervised", this, m -> m.lastSupervised)
        .register(registry);
    Gauge.builder("allspark.trainer.loss.unsupervised", this, m -> m.lastUnsupervised)
        .register(registry);
    Gauge.builder("allspark.trainer.steps.per.second", this, m -> m.stepsPerSecond)
        .register(registry);
    Gauge.builder("allspark.trainer.buffer.unlabeled", window, FrameWindow::size)
        .register(registry);
    Gauge.builder("allspark.trainer.labels.train", labeled, LabeledSet::trainSize)
        .register(registry);
    Gauge.builder("allspark.trainer.labels.heldout", labeled, LabeledSet::holdoutSize)
        .register(registry);
    Gauge.builder("allspark.trainer.validation.miou", this, m -> m.lastMiou).register(registry);
    Gauge.builder("allspark.trainer.published.version", this, m -> m.publishedVersion)
        .register(registry);
    Gauge.builder(
            "allspark.trainer.seconds.since.publication",
            this,
            m ->
                m.publishedAtMillis == 0
                    ? Double.NaN
                    : (System.currentTimeMillis() - m.publishedAtMillis) / 1000.0)
        .register(registry);
  }

  /** A labeled frame went to {@code topic} (frames.labeled.dlq) for {@code reason}. */
  void deadLettered(DeadLetters.Reason reason, String topic) {
    labelsRejected.increment();
    meters.deadLetter(reason.code(), topic).increment();
  }

  /** Takes over what a saved state says. */
  void restore(TrainerState state) {
    step.set(state.step());
    publishedVersion = state.publishedVersion();
    publishedMiou = state.publishedMiou();
    publishedAtMillis = state.publishedAtMillis();
    lastMiou = state.lastMiou();
  }

  @Override
  public void close() {
    meters.close();
  }
}
