package dev.allspark.ops;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's main thread and its HTTP endpoints, and the one way a service starts, halts and
 * closes (the inference service's poll loop, the trainer's training loop, ingest's source): start
 * the endpoints, then the thread; to end, tell the loop to stop, wait for the thread up to the
 * service's grace, then close the endpoints and the rest in the order given.
 */
public final class ServiceThread {
  private static final Logger log = LoggerFactory.getLogger(ServiceThread.class);

  private final OpsServer ops;
  private final Thread thread;
  private final Duration grace;
  private final Consumer<Boolean> stop;
  private final List<AutoCloseable> rest;

  /**
   * @param loop the thread's body
   * @param stop tells the loop to end: {@code true} at once, as a killed process would (nothing
   *     committed or saved), {@code false} cleanly (the work in hand finished and committed)
   * @param grace how long an end waits for the thread before it closes the rest anyway
   * @param rest closed after the thread has ended and the endpoints have closed, in this order
   */
  public ServiceThread(
      String name,
      Runnable loop,
      OpsServer ops,
      Consumer<Boolean> stop,
      Duration grace,
      AutoCloseable... rest) {
    this.thread = new Thread(loop, name);
    this.ops = ops;
    this.stop = stop;
    this.grace = grace;
    this.rest = List.of(rest);
  }

  /** Starts the HTTP endpoints, then the thread. */
  public void start() {
    ops.start();
    thread.start();
  }

  /** Port of /metrics and /health, or -1 without a server. */
  public int httpPort() {
    return ops.port();
  }

  /** For a banner: where /health and /metrics are, or that there is no HTTP server (port -1). */
  public String endpoints() {
    int port = httpPort();
    return port == OpsServer.NONE
        ? "no HTTP endpoints"
        : "http://localhost:" + port + "/health and /metrics";
  }

  /** True while the thread runs. */
  public boolean alive() {
    return thread.isAlive();
  }

  /** Waits for the thread to end, at most {@code timeout}; true if it has. */
  public boolean join(Duration timeout) throws InterruptedException {
    thread.join(timeout.toMillis());
    return !thread.isAlive();
  }

  /** Ends at once, as a killed process would. */
  public void halt() {
    end(true);
  }

  /** Ends cleanly: the work in hand is finished, committed or saved. */
  public void close() {
    end(false);
  }

  private void end(boolean now) {
    stop.accept(now);
    try {
      if (!join(grace)) {
        log.warn(
            "{} still running after {} s; closing the rest", thread.getName(), grace.toSeconds());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ops.close();
    for (AutoCloseable c : rest) {
      try {
        c.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        log.warn("{}: closing {} failed: {}", thread.getName(), c, e.toString());
      }
    }
  }
}
