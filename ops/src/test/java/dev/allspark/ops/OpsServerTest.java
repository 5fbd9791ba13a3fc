package dev.allspark.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class OpsServerTest {
  /** A route that blocks reading a body that never comes, counting the handlers inside. */
  private static OpsServer serverWithSlowRoute(java.util.concurrent.atomic.AtomicInteger inside) {
    OpsServer server =
        new OpsServer("127.0.0.1", 0, "test", () -> "", () -> new OpsServer.Health(true, "{}"));
    server.route(
        "/push",
        ex -> {
          inside.incrementAndGet();
          try (InputStream in = ex.getRequestBody()) {
            in.readAllBytes(); // blocks: the body never comes
          } catch (IOException e) {
            // cut off by the request time limit
          }
        });
    server.start();
    return server;
  }

  /** Clients that declare a 1 MB body and send 3 bytes of it. */
  private static List<Socket> slowClients(int port, int n) throws IOException {
    List<Socket> slow = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Socket s = new Socket("127.0.0.1", port);
      OutputStream out = s.getOutputStream();
      out.write(
          "POST /push HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      slow.add(s);
    }
    return slow;
  }

  /** Issue 13: two clients that declared a body and never sent it took /health/live down. */
  @Test
  void healthAnswersWithinASecondWhileEightSlowClientsHoldConnections() throws Exception {
    try (OpsServer server = serverWithSlowRoute(new java.util.concurrent.atomic.AtomicInteger())) {
      int port = server.port();
      List<Socket> slow = slowClients(port, 8);
      try {
        Thread.sleep(300); // the slow requests are in the handlers now
        long worst = 0;
        for (int k = 0; k < 10; k++) {
          long t0 = System.nanoTime();
          assertThat(status(port, 1000)).isEqualTo(200);
          worst = Math.max(worst, System.nanoTime() - t0);
        }
        assertThat(worst / 1e9).as("slowest /health/live, seconds").isLessThan(1.0);
      } finally {
        for (Socket s : slow) {
          s.close();
        }
      }
    }
  }

  /**
   * Issue 14: probes have their own threads. More slow clients than the routes have threads: each
   * declares a body and never sends it, so every route thread blocks; the probes still answer.
   * (With one pool for routes and probes, as before, /health/live waits for a free thread.)
   */
  @Test
  void probesAnswerWhileEveryRouteThreadIsHeldBySlowClients() throws Exception {
    java.util.concurrent.atomic.AtomicInteger inHandler =
        new java.util.concurrent.atomic.AtomicInteger();
    try (OpsServer server = serverWithSlowRoute(inHandler)) {
      int port = server.port();
      List<Socket> slow = slowClients(port, OpsServer.WORKERS + 8);
      try {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (inHandler.get() < OpsServer.WORKERS && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertThat(inHandler.get()).as("route threads blocked").isEqualTo(OpsServer.WORKERS);
        for (int k = 0; k < 10; k++) {
          assertThat(status(port, 2000)).isEqualTo(200);
        }
      } finally {
        for (Socket s : slow) {
          s.close();
        }
      }
    }
  }

  @Test
  void jsonIsWrittenByOneLibraryAndQueriesAreDecoded() {
    assertThat(Json.write("a \"b\"\n")).isEqualTo("\"a \\\"b\\\"\\n\"");
    assertThat(Json.write(java.util.Map.of("miou", Double.NaN))).isEqualTo("{\"miou\":null}");
  }

  @Test
  void requestsThatNeverFinishArriving_areCutOffByTheJdkServersTimeLimit() {
    // set by OpsServer unless the JVM was started with its own
    assertThat(System.getProperty("sun.net.httpserver.maxReqTime"))
        .isEqualTo(Integer.toString(OpsServer.REQUEST_SECONDS));
    assertThat(System.getProperty("sun.net.httpserver.maxRspTime"))
        .isEqualTo(Integer.toString(OpsServer.RESPONSE_SECONDS));
  }

  @Test
  void listensOnTheGivenInterfaceOnly() throws Exception {
    try (OpsServer server =
        new OpsServer("127.0.0.1", 0, "test", () -> "", () -> new OpsServer.Health(true, "{}"))) {
      server.start();
      assertThat(server.address()).isEqualTo(InetAddress.getByName("127.0.0.1"));
    }
    try (OpsServer server =
        new OpsServer("0.0.0.0", 0, "test", () -> "", () -> new OpsServer.Health(true, "{}"))) {
      server.start();
      assertThat(server.address().isAnyLocalAddress()).as("every interface").isTrue();
    }
    assertThatThrownBy(
            () ->
                new OpsServer(
                    "no-such-host.invalid",
                    0,
                    "test",
                    () -> "",
                    () -> new OpsServer.Health(true, "{}")))
        .hasMessageContaining("ALLSPARK_HTTP_BIND = no-such-host.invalid");
  }

  @Test
  void livenessFollowsTheServicesCheck() throws Exception {
    AtomicBoolean alive = new AtomicBoolean(true);
    try (OpsServer server =
        new OpsServer("127.0.0.1", 0, "test", () -> "", () -> new OpsServer.Health(true, "{}"))) {
      server.liveness(alive::get).start();
      assertThat(status(server.port())).isEqualTo(200);
      alive.set(false);
      assertThat(status(server.port())).isEqualTo(503);
    }
  }

  @Test
  void portMinusOneIsAServerThatListensNowhereYetTakesRoutesStartsAndCloses() {
    try (OpsServer none =
        new OpsServer(OpsServer.NONE, "none", () -> "", () -> new OpsServer.Health(true, "{}"))) {
      none.route("/x", ex -> OpsServer.json(ex, 200, "{}")).liveness(() -> true).start();
      assertThat(none.port()).isEqualTo(OpsServer.NONE);
      assertThat(none.address()).isNull();
    }
  }

  private static int status(int port) throws IOException {
    return status(port, 0);
  }

  /**
   * The status of {@code GET /health/live}, within this many ms to connect and to read (0: none).
   */
  private static int status(int port, int timeoutMs) throws IOException {
    HttpURLConnection c =
        (HttpURLConnection)
            URI.create("http://127.0.0.1:" + port + "/health/live").toURL().openConnection();
    c.setConnectTimeout(timeoutMs);
    c.setReadTimeout(timeoutMs);
    return c.getResponseCode();
  }
}
