package dev.allspark.schemas.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Every service's HTTP server, on the JDK's own HTTP server: {@code /metrics} (Prometheus text
 * format), {@code /health} (JSON; 200 when ready, 503 otherwise, with the reason), {@code
 * /health/live} (200 while the process and its internal threads run, 503 otherwise), and the routes
 * a service adds (ingest's push, the bridge's API and page).
 *
 * <p><b>Slow clients.</b> A request that has not fully arrived (headers and body) within {@link
 * #REQUEST_SECONDS} is cut off, and a response not taken within {@link #RESPONSE_SECONDS}: the JDK
 * server's {@code sun.net.httpserver.maxReqTime} / {@code maxRspTime}, set here unless the JVM was
 * started with them. The server has {@link #WORKERS} worker threads, so a few clients that declare
 * a body and never send it no longer take the health probes with them (before issue 13: 2 workers,
 * no limit; two such clients made {@code /health/live} time out until the pod was restarted).
 *
 * <p><b>Where it listens.</b> {@code ALLSPARK_HTTP_BIND} (environment, or the system property
 * {@code allspark.http.bind}) names the interface: {@code 0.0.0.0} (every interface, the default in
 * containers) or an address such as {@code 127.0.0.1}; the demo listens on loopback only.
 */
public final class OpsServer implements AutoCloseable {
  /** What {@code /health} answers: ready or not, and a JSON body saying why. */
  public record Health(boolean ready, String json) {}

  /** Seconds a request may take to arrive in full. */
  public static final int REQUEST_SECONDS = 20;

  /** Seconds a client may take to read a response. */
  public static final int RESPONSE_SECONDS = 60;

  /** Worker threads per server. */
  public static final int WORKERS = 32;

  static {
    // read once by the JDK server, when its first instance is made
    if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
      System.setProperty("sun.net.httpserver.maxReqTime", Integer.toString(REQUEST_SECONDS));
    }
    if (System.getProperty("sun.net.httpserver.maxRspTime") == null) {
      System.setProperty("sun.net.httpserver.maxRspTime", Integer.toString(RESPONSE_SECONDS));
    }
  }

  private final HttpServer server;
  private volatile Supplier<Boolean> live = () -> true;

  /** The interface to listen on: {@code ALLSPARK_HTTP_BIND}, else every interface. */
  public static String bindAddress() {
    String v = System.getProperty("allspark.http.bind");
    if (v == null || v.isBlank()) {
      v = System.getenv("ALLSPARK_HTTP_BIND");
    }
    return v == null || v.isBlank() ? "0.0.0.0" : v.trim();
  }

  public OpsServer(int port, String name, Supplier<String> metrics, Supplier<Health> health) {
    this(bindAddress(), port, name, metrics, health);
  }

  public OpsServer(
      String bind, int port, String name, Supplier<String> metrics, Supplier<Health> health) {
    InetSocketAddress address;
    try {
      // every interface: the wildcard socket (IPv4 and IPv6 alike), not just 0.0.0.0's IPv4
      address =
          bind.equals("0.0.0.0") || bind.equals("*") || bind.equals("::")
              ? new InetSocketAddress(port)
              : new InetSocketAddress(java.net.InetAddress.getByName(bind), port);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(
          "ALLSPARK_HTTP_BIND = " + bind + " is not an address of this host", e);
    }
    try {
      server = HttpServer.create(address, 64);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot listen on HTTP " + bind + ":" + port + ": " + e.getMessage(), e);
    }
    server.setExecutor(
        Executors.newFixedThreadPool(
            WORKERS,
            r -> {
              Thread t = new Thread(r, name + "-http");
              t.setDaemon(true);
              return t;
            }));
    server.createContext(
        "/metrics", ex -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get()));
    server.createContext(
        "/health/live",
        ex -> {
          boolean ok = live.get();
          send(ex, ok ? 200 : 503, "application/json", "{\"live\":" + ok + "}");
        });
    server.createContext(
        "/health",
        ex -> {
          Health h = health.get();
          send(ex, h.ready() ? 200 : 503, "application/json", h.json());
        });
  }

  /** A JSON string literal. */
  public static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  private static void send(HttpExchange ex, int status, String type, String body)
      throws IOException {
    send(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
  }

  /** Answers with a body of the given type and closes the exchange. */
  public static void send(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /** Answers with a JSON body. */
  public static void json(HttpExchange ex, int status, String json) throws IOException {
    send(ex, status, "application/json", json.getBytes(StandardCharsets.UTF_8));
  }

  /** Answers with {@code {"error": message}}: every 4xx/5xx says what is wrong. */
  public static void error(HttpExchange ex, int status, String message) throws IOException {
    json(ex, status, "{\"error\":" + quote(message) + "}");
  }

  /**
   * What {@code /health/live} reports: false when the service can no longer recover by itself (an
   * internal thread died), so an orchestrator restarts it.
   */
  public OpsServer liveness(Supplier<Boolean> check) {
    this.live = check;
    return this;
  }

  /** Serves more routes on the same port (an API beside the operations endpoints). */
  public OpsServer route(String path, com.sun.net.httpserver.HttpHandler handler) {
    server.createContext(path, handler);
    return this;
  }

  public void start() {
    server.start();
  }

  /** The interface it listens on. */
  public java.net.InetAddress address() {
    return server.getAddress().getAddress();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
