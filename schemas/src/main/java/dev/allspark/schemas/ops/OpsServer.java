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
 * The HTTP endpoints every service has: {@code /metrics} (Prometheus text format), {@code /health}
 * (JSON; 200 when ready, 503 otherwise, with the reason) and {@code /health/live} (200 while the
 * process runs). On the JDK's own HTTP server: no web framework for three read-only routes.
 */
public final class OpsServer implements AutoCloseable {
  /** What {@code /health} answers: ready or not, and a JSON body saying why. */
  public record Health(boolean ready, String json) {}

  private final HttpServer server;

  public OpsServer(int port, String name, Supplier<String> metrics, Supplier<Health> health) {
    try {
      server = HttpServer.create(new InetSocketAddress(port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot listen on HTTP port " + port + ": " + e.getMessage(), e);
    }
    server.setExecutor(
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, name + "-http");
              t.setDaemon(true);
              return t;
            }));
    server.createContext(
        "/metrics", ex -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get()));
    server.createContext(
        "/health/live", ex -> send(ex, 200, "application/json", "{\"live\":true}"));
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

  /** Serves more routes on the same port (an API beside the operations endpoints). */
  public OpsServer route(String path, com.sun.net.httpserver.HttpHandler handler) {
    server.createContext(path, handler);
    return this;
  }

  public void start() {
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
