package dev.allspark.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * A stand-in for a schema registry, written here from the Confluent Schema Registry API reference
 * because no real registry runs on this machine (no Docker; Confluent's and Karapace's servers are
 * not on Maven Central or PyPI; Apicurio Registry's app needs modules Maven Central does not serve
 * here: see {@code schemas/README.md}). It serves what clients use to write and read values:
 *
 * <ul>
 *   <li>{@code POST /subjects/<s>/versions} {@code {"schema": ...}}: {@code {"id": N}}; the same
 *       schema gets the same id under every subject; a schema that cannot read the subject's latest
 *       (BACKWARD, the registry's default) is refused with 409 and {@code error_code 409};
 *   <li>{@code GET /schemas/ids/<id>}: {@code {"schema": ...}}, or 404 with {@code error_code
 *       40403};
 *   <li>{@code GET /subjects}, {@code GET /subjects/<s>/versions}, {@code GET
 *       /subjects/<s>/versions/latest}.
 * </ul>
 *
 * It records every request line so that tests can say what a client asked. In-memory, one process;
 * not a product.
 */
public final class RegistryStandIn implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TYPE = "application/vnd.schemaregistry.v1+json";

  private final HttpServer server;
  private final List<String> schemas = new ArrayList<>(); // id - 1 -> canonical text
  private final Map<String, List<Integer>> subjects = new LinkedHashMap<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private volatile boolean unavailable;

  public RegistryStandIn() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.createContext("/", this::handle);
    server.start();
  }

  /** The base URL, e.g. {@code http://127.0.0.1:41234}. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** While on, every request is answered 503 (error_code 50003), as a registry that is down. */
  public void unavailable(boolean on) {
    unavailable = on;
  }

  /** Every request so far, as {@code METHOD /path}. */
  public List<String> requests() {
    return List.copyOf(requests);
  }

  /** Subjects and their schema ids, version by version. */
  public synchronized Map<String, List<Integer>> subjects() {
    Map<String, List<Integer>> out = new LinkedHashMap<>();
    subjects.forEach((k, v) -> out.put(k, List.copyOf(v)));
    return out;
  }

  private void handle(HttpExchange x) throws IOException {
    String path = x.getRequestURI().getRawPath();
    requests.add(x.getRequestMethod() + " " + path);
    if (unavailable) {
      send(x, 503, error(50003, "Error while forwarding the request"));
      return;
    }
    try {
      String[] p = path.split("/");
      // p[0] is "" (the path starts with '/')
      if (x.getRequestMethod().equals("POST")
          && p.length == 4
          && p[1].equals("subjects")
          && p[3].equals("versions")) {
        JsonNode body = JSON.readTree(x.getRequestBody());
        register(x, decode(p[2]), body);
      } else if (x.getRequestMethod().equals("GET")
          && p.length == 4
          && p[1].equals("schemas")
          && p[2].equals("ids")) {
        byId(x, p[3]);
      } else if (x.getRequestMethod().equals("GET") && p.length == 2 && p[1].equals("subjects")) {
        synchronized (this) {
          send(x, 200, new ArrayList<>(subjects.keySet()));
        }
      } else if (x.getRequestMethod().equals("GET")
          && p.length >= 4
          && p[1].equals("subjects")
          && p[3].equals("versions")) {
        versions(x, decode(p[2]), p.length == 5 ? p[4] : null);
      } else {
        send(x, 404, error(404, "no such endpoint: " + x.getRequestMethod() + " " + path));
      }
    } catch (RuntimeException e) {
      send(x, 422, error(42201, "invalid request: " + e.getMessage()));
    }
  }

  private synchronized void register(HttpExchange x, String subject, JsonNode body)
      throws IOException {
    JsonNode text = body.get("schema");
    JsonNode type = body.get("schemaType");
    if (text == null || (type != null && !type.asText().equals("AVRO"))) {
      send(x, 422, error(42201, "Invalid schema: only Avro is kept here"));
      return;
    }
    Schema schema;
    try {
      schema = new Schema.Parser().parse(text.asText());
    } catch (RuntimeException e) {
      send(x, 422, error(42201, "Invalid schema " + e.getMessage()));
      return;
    }
    String canonical = schema.toString();
    List<Integer> versions = subjects.computeIfAbsent(subject, k -> new ArrayList<>());
    int existing = schemas.indexOf(canonical) + 1;
    if (existing > 0 && versions.contains(existing)) {
      send(x, 200, Map.of("id", existing));
      return;
    }
    if (!versions.isEmpty()) {
      Schema latest = new Schema.Parser().parse(schemas.get(versions.get(versions.size() - 1) - 1));
      SchemaCompatibility.SchemaPairCompatibility c =
          SchemaCompatibility.checkReaderWriterCompatibility(schema, latest);
      if (c.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
        send(
            x,
            409,
            error(
                409,
                "Schema being registered is incompatible with an earlier schema for subject \""
                    + subject
                    + "\": "
                    + c.getDescription()));
        return;
      }
    }
    int id = existing > 0 ? existing : add(canonical);
    versions.add(id);
    send(x, 200, Map.of("id", id));
  }

  private int add(String canonical) {
    schemas.add(canonical);
    return schemas.size();
  }

  private synchronized void byId(HttpExchange x, String raw) throws IOException {
    int id = Integer.parseInt(raw);
    if (id < 1 || id > schemas.size()) {
      send(x, 404, error(40403, "Schema " + id + " not found"));
      return;
    }
    send(x, 200, Map.of("schema", schemas.get(id - 1)));
  }

  private synchronized void versions(HttpExchange x, String subject, String version)
      throws IOException {
    List<Integer> versions = subjects.get(subject);
    if (versions == null || versions.isEmpty()) {
      send(x, 404, error(40401, "Subject '" + subject + "' not found."));
      return;
    }
    if (version == null) {
      List<Integer> numbers = new ArrayList<>();
      for (int i = 1; i <= versions.size(); i++) {
        numbers.add(i);
      }
      send(x, 200, numbers);
      return;
    }
    int v = version.equals("latest") ? versions.size() : Integer.parseInt(version);
    if (v < 1 || v > versions.size()) {
      send(x, 404, error(40402, "Version " + version + " not found."));
      return;
    }
    int id = versions.get(v - 1);
    send(x, 200, Map.of("subject", subject, "version", v, "id", id, "schema", schemas.get(id - 1)));
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static Map<String, Object> error(int code, String message) {
    return Map.of("error_code", code, "message", message);
  }

  private static void send(HttpExchange x, int status, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    x.getResponseHeaders().set("Content-Type", TYPE);
    x.sendResponseHeaders(status, bytes.length);
    try (var out = x.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
