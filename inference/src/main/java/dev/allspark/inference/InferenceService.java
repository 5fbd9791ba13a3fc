package dev.allspark.inference;

import dev.allspark.ops.Json;
import dev.allspark.ops.OpsServer;
import dev.allspark.ops.Service;
import dev.allspark.ops.ServiceMeters;
import dev.allspark.ops.ServiceThread;
import dev.allspark.schemas.kafka.Topic;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segmentation service: exactly one {@code Segmentation} per frame of {@code camera.frames}.
 *
 * <p>Design. The poll thread owns the consumer and the transactional producer. It gathers frames
 * into a micro-batch (what arrived while the model was busy, up to {@code maxBatch}; with {@code
 * maxWait} above 0 it waits that long for a batch to fill), hands the batch to the worker thread
 * and pauses its partitions while the worker runs the model, but keeps polling, so the group never
 * sees it as stuck however long a forward pass takes. When the worker is done, the poll thread
 * writes the batch's results, DLQ records and label requests and commits the batch's consumer
 * offsets in one Kafka transaction (read_committed readers see all of a batch or none of it). A
 * crash before the commit aborts the transaction and the frames are read again from the committed
 * offsets; so every frame has exactly one committed result. On a rebalance the in-flight batch is
 * finished and committed before the partitions go.
 *
 * <p>The parts: {@link PollLoop} (the poll thread: consumer, transactions, rebalances), {@link
 * MicroBatch} (frames to records, on the worker thread), {@link ModelSlot} (the hot swap), {@link
 * ModelFollower} (which version, loaded off the serving path).
 *
 * <p>The {@link ModelFollower} chooses and loads models; the {@link ModelSlot} swaps a loaded one
 * in between micro-batches (one reference exchange; the old model is closed off the serving path).
 */
public final class InferenceService implements Service {
  private static final Logger log = LoggerFactory.getLogger(InferenceService.class);

  private final InferenceSettings settings;
  private final InferenceMetrics metrics;
  private final ModelFollower follower;
  private final ModelSlot slot;
  private final PollLoop loop;
  private final ServiceThread thread;

  public InferenceService(InferenceSettings settings) {
    this.settings = settings;
    this.metrics =
        new InferenceMetrics(
            new ServiceMeters("inference"), settings.topics().name(Topic.CAMERA_FRAMES_DLQ));
    this.slot = new ModelSlot(metrics);
    MicroBatch microBatch = new MicroBatch(settings, metrics);
    this.loop = new PollLoop(settings, metrics, slot, microBatch);
    Map<String, Object> followerConfig = loop.clientConfig();
    followerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    followerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    followerConfig.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 << 20);
    followerConfig.put(
        ConsumerConfig.CLIENT_ID_CONFIG, "allspark-inference-models-" + settings.instanceId());
    this.follower = new ModelFollower(settings, followerConfig, slot, metrics.meters);
    OpsServer ops =
        new OpsServer(
                settings.httpPort(),
                "inference",
                metrics.meters::scrape,
                () -> {
                  Health h = health();
                  return new OpsServer.Health(h.ready(), h.json());
                })
            .liveness(this::live);
    this.thread =
        new ServiceThread(
            "inference-poll",
            loop::run,
            ops,
            loop::stop,
            Duration.ofSeconds(60),
            loop::shutdown,
            follower,
            slot,
            metrics);
  }

  /** Starts following checkpoints, the HTTP endpoints and, once a model is loaded, consuming. */
  @Override
  public InferenceService start() {
    follower.start();
    thread.start();
    return this;
  }

  /** Port of /metrics and /health, or -1 without a server. */
  public int httpPort() {
    return thread.httpPort();
  }

  @Override
  public String banner() {
    String model =
        settings.modelVersion().isPresent()
            ? "pinned to " + settings.modelVersion().getAsLong()
            : "latest";
    return settings.bootstrap() + ", model " + model + ", " + thread.endpoints();
  }

  @Override
  public String statusLine() {
    return String.format("%s | %.0f frames", health().status(), framesProcessed());
  }

  /** What the health endpoint reports. */
  public record Health(
      boolean ready,
      long modelVersion,
      String status,
      Map<Long, String> refused,
      List<Long> available) {
    /** The body of {@code /health}. */
    public String json() {
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("ready", ready);
      h.put("modelVersion", modelVersion);
      h.put("status", status);
      h.put("availableVersions", available);
      Map<String, String> r = new LinkedHashMap<>();
      refused.forEach((v, why) -> r.put(Long.toString(v), why));
      h.put("refusedVersions", r);
      return Json.write(h);
    }
  }

  /**
   * Liveness: false when the service cannot recover by itself (its model follower or its poll
   * thread died), so an orchestrator restarts it. A broker away or a refused credential is not
   * that: the follower retries and says why in {@code /health}.
   */
  public boolean live() {
    return loop.fatal() == null && follower.alive();
  }

  public Health health() {
    long version = metrics.version.get();
    String fatal = loop.fatal();
    String problem = fatal != null ? fatal : follower.problem();
    boolean ready = fatal == null && version >= 0 && loop.running();
    String status;
    if (fatal != null) {
      status = "failed: " + fatal;
    } else if (version < 0) {
      status =
          "waiting, consuming nothing: " + (problem == null ? "loading the first model" : problem);
    } else if (problem != null) {
      status = "serving version " + version + "; " + problem;
    } else {
      status = "serving version " + version;
    }
    return new Health(
        ready, version, status, new HashMap<>(follower.refused()), follower.available());
  }

  /** Swap pauses seen so far: how long the worker spent exchanging models, in nanoseconds. */
  /**
   * Calls {@code listener} on the poll thread with each committed frame's {@link FrameTrace} (null:
   * none); the same figures feed {@code allspark_inference_stage_latency_seconds{stage}}. Keep it
   * quick: it runs between transactions.
   */
  public void onFrameTrace(java.util.function.Consumer<FrameTrace> listener) {
    metrics.traceListener(listener);
  }

  public List<Long> swapPausesNanos() {
    return slot.pausesNanos();
  }

  public double framesProcessed() {
    return metrics.frames.count();
  }

  /** Where serving is, for a status line or a dashboard. */
  public record ServingProgress(
      long modelVersion, long frames, long swaps, long consumerLag, long deadLettered) {}

  public ServingProgress progress() {
    return new ServingProgress(
        metrics.version.get(),
        (long) metrics.frames.count(),
        (long) metrics.swaps.count(),
        metrics.lag.get(),
        metrics.deadLettered.get());
  }

  /** True once the service is consuming frames (it has a model). */
  public boolean consuming() {
    return loop.consuming();
  }

  /**
   * Stops at once, as a killed process would: the open transaction is neither committed nor
   * aborted, offsets are not committed, clients are closed without waiting. For tests of crash
   * safety.
   */
  public void halt() {
    thread.halt();
  }

  /** Clean stop: the batch in hand is finished and committed. */
  @Override
  public void close() {
    thread.close();
  }
}
