package dev.allspark.inference;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code /metrics} (Prometheus text format), {@code /health} (JSON; 200 when ready to serve, 503
 * otherwise, with the reason) and {@code /health/live} (200 while the process runs).
 */
final class OpsServer implements AutoCloseable {
  private final HttpServer server;

  OpsServer(int port, PrometheusMeterRegistry registry, Supplier<InferenceService.Health> health) {
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
              Thread t = new Thread(r, "inference-http");
              t.setDaemon(true);
              return t;
            }));
    server.createContext(
        "/metrics",
        ex -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
    server.createContext(
        "/health/live", ex -> send(ex, 200, "application/json", "{\"live\":true}"));
    server.createContext(
        "/health",
        ex -> {
          InferenceService.Health h = health.get();
          send(ex, h.ready() ? 200 : 503, "application/json", json(h));
        });
  }

  static String json(InferenceService.Health h) {
    StringBuilder refused = new StringBuilder("{");
    for (Map.Entry<Long, String> e : h.refused().entrySet()) {
      if (refused.length() > 1) {
        refused.append(',');
      }
      refused.append('"').append(e.getKey()).append("\":").append(quote(e.getValue()));
    }
    refused.append('}');
    return "{\"ready\":"
        + h.ready()
        + ",\"modelVersion\":"
        + h.modelVersion()
        + ",\"status\":"
        + quote(h.status())
        + ",\"availableVersions\":"
        + h.available()
        + ",\"refusedVersions\":"
        + refused
        + "}";
  }

  private static String quote(String s) {
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
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  void start() {
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
