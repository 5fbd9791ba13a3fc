package dev.allspark.inference;

import dev.allspark.ops.LogContext;
import dev.allspark.ops.Threads;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hot swap: the model being served, the one loaded and waiting to take its place, and the
 * exchange between micro-batches. The {@link ModelFollower} {@link #offer offers} a loaded, warmed
 * model from its loader thread; the inference worker calls {@link #swap()} before each micro-batch,
 * which is one reference exchange; the old model is closed on the slot's own thread, off the
 * serving path. The swap's pause, the version served and the swap count go to the service's
 * metrics.
 */
final class ModelSlot implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelSlot.class);
  private final InferenceMetrics metrics;
  private final AtomicReference<ServingModel> waiting = new AtomicReference<>();
  private final List<Long> pausesNanos = Collections.synchronizedList(new ArrayList<>());
  private final ExecutorService retirer =
      Executors.newSingleThreadExecutor(Threads.daemons("model-retire"));

  /** Used by the worker thread; read by others only for what it says (its version). */
  private volatile ServingModel current;

  ModelSlot(InferenceMetrics metrics) {
    this.metrics = metrics;
  }

  /** A loaded, warmed model to serve next; one still waiting is replaced and closed. */
  void offer(ServingModel model) {
    ServingModel replaced = waiting.getAndSet(model);
    if (replaced != null) {
      replaced.close();
    }
  }

  /**
   * On the worker thread, between micro-batches: takes the waiting model, if any. Returns the model
   * to serve the next batch with, or null while there is none yet.
   */
  ServingModel swap() {
    ServingModel next = waiting.getAndSet(null);
    if (next == null) {
      return current;
    }
    long t0 = System.nanoTime();
    ServingModel old = current;
    current = next;
    metrics.version.set(next.version());
    long pause = System.nanoTime() - t0;
    if (old != null) {
      retirer.execute(old::close);
      metrics.swaps.increment();
      metrics.lastSwapPauseNanos.set(pause);
      pausesNanos.add(pause);
    }
    try (var c = LogContext.version(next.version())) {
      log.info(
          "serving model version {}{}",
          next.version(),
          old == null ? "" : " (was " + old.version() + ")");
    }
    return next;
  }

  /** The version being served, or -1 before the first swap. */
  long servedVersion() {
    ServingModel m = current;
    return m == null ? -1 : m.version();
  }

  /** Swap pauses so far: how long the worker spent exchanging models, in nanoseconds. */
  List<Long> pausesNanos() {
    synchronized (pausesNanos) {
      return new ArrayList<>(pausesNanos);
    }
  }

  /** Closes both models; call once no batch runs any more. */
  @Override
  public void close() {
    ServingModel w = waiting.getAndSet(null);
    if (w != null) {
      w.close();
    }
    ServingModel m = current;
    current = null;
    if (m != null) {
      m.close();
    }
    retirer.shutdown();
    try {
      retirer.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
