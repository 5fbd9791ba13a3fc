package dev.allspark.trainer.online;

import dev.allspark.ops.Json;
import dev.allspark.ops.OpsServer;
import dev.allspark.ops.Service;
import dev.allspark.ops.ServiceThread;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online trainer: AllSpark (or supervised-only) steps, forever, on labeled frames from {@code
 * frames.labeled} and unlabeled frames from {@code camera.frames}; it publishes a checkpoint to
 * {@code model.checkpoints} every {@code evalEvery} steps when held-out mIoU has not regressed by
 * more than the margin, and saves its whole state atomically so that a restart resumes where it
 * stopped.
 *
 * <p>The training thread does the steps, the evaluations and the saves, so the state it saves is
 * always consistent: weights, optimizer, Semantic Memory and pointers, step, the last published
 * version and mIoU, and the offsets of {@code camera.frames} reached. The topics are read by two
 * {@link Intake} threads that poll continuously (labels that arrive while the trainer trains reach
 * it within a poll), and checkpoints are written by a {@link Publisher} thread that retries through
 * broker outages while training goes on. The labeled set is not saved: {@code frames.labeled} is
 * compacted and is read again from its beginning on every start.
 *
 * <p>The parts: {@link LabelIntake} (labels in, or to their DLQ), {@link Samples} (frames at the
 * training size), {@link TrainerState} (what is saved besides the weights), {@link Publisher}
 * (checkpoints out), {@link TrainerMetrics} (what is reported), {@link TrainerClients} (the Kafka
 * clients). This class is the loop that ties them together.
 *
 * <p>Learning rate: linear warm-up, then constant. A stream has no last iteration for a poly
 * schedule to decay towards, and a constant rate keeps the model able to follow new labels and a
 * drifting fleet; the publication gate, not a decaying rate, keeps a noisy step from reaching
 * production.
 */
public final class OnlineTrainer implements Service {
  private static final Logger log = LoggerFactory.getLogger(OnlineTrainer.class);
  public static final String STATE_FILE = TrainerState.FILE;

  private final OnlineSettings settings;
  private final ServiceThread thread;

  private final TrainingLoop loop;

  public OnlineTrainer(OnlineSettings settings) {
    this.settings = settings;
    this.loop = new TrainingLoop(settings);
    TrainerMetrics metrics = loop.metrics;
    this.thread =
        new ServiceThread(
            "online-trainer",
            loop::run,
            new OpsServer(
                    settings.httpPort(),
                    "trainer",
                    metrics.meters::scrape,
                    () -> new OpsServer.Health(live(), healthJson()))
                .liveness(this::live),
            loop::stop,
            Duration.ofSeconds(120),
            metrics);
  }

  /**
   * Liveness: false once training failed or one of its threads (label intake, frame intake,
   * publisher) ended on its own, so an orchestrator restarts the process.
   */
  public boolean live() {
    return loop.live();
  }

  /** Labeled frames the trainer has read from {@code frames.labeled}, good or bad. */
  public long labelsSeen() {
    return (long) loop.metrics.labelsSeen.count();
  }

  /** Labeled frames sent to the DLQ so far. */
  public long labelsRejected() {
    return (long) loop.metrics.labelsRejected.count();
  }

  @Override
  public OnlineTrainer start() {
    thread.start();
    return this;
  }

  public int httpPort() {
    return thread.httpPort();
  }

  /** What the trainer is doing, for logs and health. */
  public String status() {
    return loop.status();
  }

  @Override
  public String banner() {
    return settings.bootstrap() + ", state in " + settings.stateDir() + ", " + thread.endpoints();
  }

  @Override
  public String statusLine() {
    return status() + " | published version " + publishedVersion();
  }

  /** Ends on its own when it fails or reaches its last step ({@code --max-steps}). */
  @Override
  public boolean finished() {
    return status().startsWith("failed") || status().startsWith("stopped");
  }

  @Override
  public int exitCode() {
    return status().startsWith("failed") ? 1 : 0;
  }

  public long step() {
    return loop.metrics.step.get();
  }

  /** The step the trainer resumed at, or -1 when it started from scratch. */
  public long resumedStep() {
    return loop.resumedStep;
  }

  /** The Semantic Memory restored from the state, or null. */
  public float[] resumedMemory() {
    return loop.resumedMemory;
  }

  public long publishedVersion() {
    return loop.metrics.publishedVersion;
  }

  /**
   * One held-out evaluation of this run.
   *
   * @param publishedVersion the version it was published as, or -1 when withheld
   */
  public record Validation(long step, long atMillis, double miou, long publishedVersion) {}

  /** The evaluations of this run, oldest first. */
  public List<Validation> validations() {
    return List.copyOf(loop.validations);
  }

  /** Where training is, for a status line or a dashboard. */
  public record TrainingProgress(
      long step,
      float supervisedLoss,
      float unsupervisedLoss,
      double stepsPerSecond,
      double validationMiou,
      long publishedVersion,
      int trainLabels,
      int heldOutLabels,
      int unlabeledFrames) {}

  public TrainingProgress progress() {
    return new TrainingProgress(
        loop.metrics.step.get(),
        loop.metrics.lastSupervised,
        loop.metrics.lastUnsupervised,
        loop.metrics.stepsPerSecond,
        loop.metrics.lastMiou,
        loop.metrics.publishedVersion,
        loop.labeled.trainSize(),
        loop.labeled.holdoutSize(),
        loop.window.size());
  }

  /** Versions this run published. */
  public List<Long> published() {
    return List.copyOf(loop.published);
  }

  /** Updates the gradient guard refused so far ({@code allspark_trainer_steps_refused_total}). */
  public double refusedCount() {
    return loop.metrics.refused.count();
  }

  public double withheldCount() {
    return loop.metrics.withheld.count();
  }

  public Path stateFile() {
    return loop.stateFile();
  }

  private String healthJson() {
    Publisher p = loop.publisher;
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("status", status());
    h.put("step", loop.metrics.step.get());
    h.put("publishedVersion", loop.metrics.publishedVersion);
    h.put("validationMiou", loop.metrics.lastMiou);
    h.put("labelsTrain", loop.labeled.trainSize());
    h.put("labelsHeldOut", loop.labeled.holdoutSize());
    h.put("unlabeledBuffer", loop.window.size());
    h.put("publicationProblem", p == null ? null : p.problem());
    return Json.write(h);
  }

  /** Stops at once, as a killed process would: nothing is saved. For crash tests. */
  public void halt() {
    thread.halt();
  }

  /** Clean stop: the state is saved. */
  @Override
  public void close() {
    thread.close();
  }
}
