package dev.allspark.ops;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C or SIGTERM for a service command: the command's loop sees the signal, closes its service
 * (commits, saves state, leaves its group) and reports {@link #closed()}; the JVM waits for that,
 * up to a grace period, before it exits, so a stop is always a clean one.
 */
public final class ShutdownSignal {
  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch closed = new CountDownLatch(1);

  private ShutdownSignal() {}

  /** Registers the JVM shutdown hook. */
  public static ShutdownSignal register(String name, Duration grace) {
    ShutdownSignal s = new ShutdownSignal();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  s.stop.countDown();
                  try {
                    s.closed.await(grace.toMillis(), TimeUnit.MILLISECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                name + "-shutdown"));
    return s;
  }

  /** Waits for the signal; true once it came. */
  public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
    return stop.await(timeout, unit);
  }

  /** Stops waiting as if the signal came (a finite run is over). */
  public void stop() {
    stop.countDown();
  }

  /** The service is closed: the JVM may exit. */
  public void closed() {
    closed.countDown();
  }
}
