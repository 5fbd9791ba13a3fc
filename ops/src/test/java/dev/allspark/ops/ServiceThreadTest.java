package dev.allspark.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ServiceThreadTest {
  /** A loop that runs until told to stop, recording how it was told. */
  private static final class Loop {
    final CountDownLatch started = new CountDownLatch(1);
    final List<String> events = new CopyOnWriteArrayList<>();
    volatile boolean running = true;

    void run() {
      started.countDown();
      while (running) {
        Thread.onSpinWait();
      }
      events.add("thread ended");
    }

    void stop(boolean now) {
      events.add(now ? "halt" : "stop");
      running = false;
    }
  }

  private static OpsServer server(int port) {
    return new OpsServer(
        "127.0.0.1", port, "test", () -> "", () -> new OpsServer.Health(true, "{}"));
  }

  @Test
  void closeStopsTheLoopWaitsForItThenClosesTheEndpointsAndTheRestInOrder() throws Exception {
    Loop loop = new Loop();
    ServiceThread t =
        new ServiceThread(
            "test-loop",
            loop::run,
            server(0),
            loop::stop,
            Duration.ofSeconds(10),
            () -> loop.events.add("first closed"),
            () -> {
              throw new IllegalStateException("a failing close");
            },
            () -> loop.events.add("last closed"));
    t.start();
    assertThat(loop.started.await(10, TimeUnit.SECONDS)).isTrue();
    int port = t.httpPort();
    assertThat(port).isPositive();
    new Socket("127.0.0.1", port).close(); // listening
    assertThat(t.endpoints()).isEqualTo("http://localhost:" + port + "/health and /metrics");

    t.close();

    assertThat(t.alive()).isFalse();
    // a failing close does not keep the rest open
    assertThat(loop.events).containsExactly("stop", "thread ended", "first closed", "last closed");
    try (Socket s = new Socket("127.0.0.1", port)) {
      throw new AssertionError("still listening on " + port);
    } catch (ConnectException expected) {
      // closed
    }
  }

  @Test
  void haltTellsTheLoopToStopAtOnce() throws Exception {
    Loop loop = new Loop();
    ServiceThread t =
        new ServiceThread(
            "test-loop", loop::run, server(OpsServer.NONE), loop::stop, Duration.ofSeconds(10));
    t.start();
    assertThat(loop.started.await(10, TimeUnit.SECONDS)).isTrue();
    // a banner never shows a URL on port -1
    assertThat(t.endpoints()).isEqualTo("no HTTP endpoints");
    t.halt();
    assertThat(loop.events).containsExactly("halt", "thread ended");
  }

  @Test
  void aLoopThatDoesNotEndInItsGraceStillHasTheRestClosed() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<String> closed = new CopyOnWriteArrayList<>();
    ServiceThread t =
        new ServiceThread(
            "stuck-loop",
            () -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            server(OpsServer.NONE),
            now -> {}, // the loop ignores it
            Duration.ofMillis(200),
            () -> closed.add("rest"));
    t.start();
    long t0 = System.nanoTime();
    t.close();
    assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());
    assertThat(closed).containsExactly("rest");
    assertThat(t.alive()).isTrue();
    release.countDown();
    assertThat(t.join(Duration.ofSeconds(10))).isTrue();
  }
}
