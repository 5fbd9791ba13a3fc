package dev.allspark.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every service's HTTP server, on the JDK's own HTTP server: {@code /metrics} (Prometheus text
 * format), {@code /health} (JSON; 200 when ready, 503 otherwise, with the reason), {@code
 * /health/live} (200 while the process and its internal threads run, 503 otherwise), and the routes
 * a service adds (ingest's push, the bridge's API and page).
 *
 * <p><b>Slow clients.</b> A request that has not fully arrived (headers and body) within {@link
 * #REQUEST_SECONDS} is cut off, and a response not taken within {@link #RESPONSE_SECONDS}: the JDK
 * server's {@code sun.net.httpserver.maxReqTime} / {@code maxRspTime}, set here unless the JVM was
 * started with them.
 *
 * <p><b>Probes on their own threads.</b> {@code /health}, {@code /health/live} and {@code /metrics}
 * run on the server's {@link #PROBE_WORKERS} threads; every route a service adds runs on its own
 * pool of {@link #WORKERS} threads. So clients that hold every route thread (a slow {@code POST
 * /frames} that declares a body and never sends it) cannot delay a probe (before issue 13: one pool
 * of 2 workers, no time limit; two such clients made {@code /health/live} time out until the pod
 * was restarted). The server's threads still read each request's line and headers (the JDK server
 * does that before it picks the route), which the request time limit bounds. JSON bodies are
 * written with Jackson ({@link Json}).
 *
 * <p><b>No server.</b> Port {@link #NONE} ({@code -1}, the services' "no server" setting) makes a
 * server that listens nowhere: it takes routes and starts and closes like any other, and its {@link
 * #port()} is -1, so a service holds one either way.
 *
 * <p><b>Where it listens.</b> {@code ALLSPARK_HTTP_BIND} (environment, or the system property
 * {@code allspark.http.bind}) names the interface: {@code 0.0.0.0} (every interface, the default in
 * containers) or an address such as {@code 127.0.0.1}; the demo listens on loopback only.
 */
public final class OpsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OpsServer.class);

  /** What {@code /health} answers: ready or not, and a JSON body saying why. */
  public record Health(boolean ready, String json) {}

  /** Seconds a request may take to arrive in full. */
  public static final int REQUEST_SECONDS = 20;

  /** Seconds a client may take to read a response. */
  public static final int RESPONSE_SECONDS = 60;

  /** The port of a server that listens nowhere. */
  public static final int NONE = -1;

  /** Threads of the routes a service adds. */
  public static final int WORKERS = 32;

  /** Threads of the probes and metrics. */
  public static final int PROBE_WORKERS = 16;

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
  private final ExecutorService routes;
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
    if (port == NONE) {
      server = null;
      routes = null;
      return;
    }
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
        Executors.newFixedThreadPool(PROBE_WORKERS, Threads.daemons(name + "-probe")));
    routes = Executors.newFixedThreadPool(WORKERS, Threads.daemons(name + "-http"));
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

  /** Answers with a value written as JSON (maps, lists, records, strings, numbers). */
  public static void json(HttpExchange ex, int status, Object value) throws IOException {
    json(ex, status, Json.write(value));
  }

  /** Answers with {@code {"error": message}}: every 4xx/5xx says what is wrong. */
  public static void error(HttpExchange ex, int status, String message) throws IOException {
    json(ex, status, (Object) Map.of("error", message));
  }

  /**
   * Answers with a resource of the jar ({@code /folder/name} on the class path of {@code owner}),
   * not cached by the browser, so a page served by a service is always the running one's; a 500
   * names the resource when the jar lacks it.
   */
  public static void resource(HttpExchange ex, Class<?> owner, String path, String type)
      throws IOException {
    try (java.io.InputStream in = owner.getResourceAsStream(path)) {
      if (in == null) {
        error(ex, 500, path + " is missing from the jar");
        return;
      }
      ex.getResponseHeaders().set("Cache-Control", "no-cache");
      send(ex, 200, type, in.readAllBytes());
    }
  }

  /** The request's query parameters, decoded (the last of a repeated name wins). */
  public static Map<String, String> query(HttpExchange ex) {
    Map<String, String> q = new HashMap<>();
    String raw = ex.getRequestURI().getRawQuery();
    if (raw == null) {
      return q;
    }
    for (String part : raw.split("&")) {
      int eq = part.indexOf('=');
      String k = eq < 0 ? part : part.substring(0, eq);
      String v = eq < 0 ? "" : part.substring(eq + 1);
      q.put(
          URLDecoder.decode(k, StandardCharsets.UTF_8),
          URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return q;
  }

  /** Reads what the client is still sending, so it gets the answer instead of a reset. */
  public static void drain(HttpExchange ex) throws IOException {
    ex.getRequestBody().transferTo(OutputStream.nullOutputStream());
  }

  /**
   * What {@code /health/live} reports: false when the service can no longer recover by itself (an
   * internal thread died), so an orchestrator restarts it.
   */
  public OpsServer liveness(Supplier<Boolean> check) {
    this.live = check;
    return this;
  }

  /**
   * Serves more routes on the same port (an API beside the operations endpoints), on the routes'
   * own threads: the server's threads hand the exchange over and are free for the next probe.
   */
  public OpsServer route(String path, HttpHandler handler) {
    if (server == null) {
      return this;
    }
    server.createContext(
        path,
        ex ->
            routes.execute(
                () -> {
                  try {
                    handler.handle(ex);
                  } catch (IOException e) {
                    // the client went away or broke the request: nothing to answer
                    log.debug("{} {}: {}", ex.getRequestMethod(), path, e.toString());
                  } catch (RuntimeException e) {
                    log.warn("{} {} failed", ex.getRequestMethod(), path, e);
                  } finally {
                    ex.close();
                  }
                }));
    return this;
  }

  public void start() {
    if (server != null) {
      server.start();
    }
  }

  /** The interface it listens on, or null when it listens nowhere. */
  public java.net.InetAddress address() {
    return server == null ? null : server.getAddress().getAddress();
  }

  /** The port it listens on, or {@link #NONE}. */
  public int port() {
    return server == null ? NONE : server.getAddress().getPort();
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop(0);
      routes.shutdownNow();
    }
  }
}
