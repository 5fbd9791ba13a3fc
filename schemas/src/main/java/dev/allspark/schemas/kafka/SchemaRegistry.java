package dev.allspark.schemas.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A client of the Confluent Schema Registry REST API (v1), which Confluent Schema Registry,
 * Karapace, Redpanda and Apicurio Registry (under {@code /apis/ccompat/v7}) all serve: registers a
 * value schema under a subject ({@code POST /subjects/<subject>/versions}, which returns the
 * existing id when the schema is already there) and looks a schema up by id ({@code GET
 * /schemas/ids/<id>}). Ids and schemas are cached: a running service asks once per schema.
 *
 * <p>Chosen for every service by one setting, {@value #URL_ENV} (or the system property {@value
 * #URL_PROPERTY}): with it, {@link AvroSerde} writes the Confluent wire format. Basic
 * authentication (Confluent Cloud, Karapace with auth) comes from {@value #AUTH_ENV} as {@code
 * user:password}.
 */
public final class SchemaRegistry {
  public static final String URL_ENV = "ALLSPARK_SCHEMA_REGISTRY_URL";
  public static final String URL_PROPERTY = "allspark.schema.registry.url";
  public static final String AUTH_ENV = "ALLSPARK_SCHEMA_REGISTRY_BASIC_AUTH";

  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, SchemaRegistry> SHARED = new ConcurrentHashMap<>();

  private final URI base;
  private final String authorization;
  private final HttpClient http;
  private final Map<String, Integer> ids = new ConcurrentHashMap<>();
  private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();

  /**
   * @param url the registry's base URL, e.g. {@code http://registry:8081} or Apicurio's {@code
   *     http://registry:8080/apis/ccompat/v7}
   * @param basicAuth {@code user:password}, or null
   */
  public SchemaRegistry(String url, String basicAuth) {
    this.base = parse(url);
    this.authorization =
        basicAuth == null || basicAuth.isBlank()
            ? null
            : "Basic "
                + Base64.getEncoder().encodeToString(basicAuth.getBytes(StandardCharsets.UTF_8));
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  private static URI parse(String url) {
    Objects.requireNonNull(url, "schema registry url");
    String u = url.strip();
    while (u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    URI uri;
    try {
      uri = URI.create(u);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          URL_ENV + "=" + url + " is not a URL: " + e.getMessage(), e);
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new IllegalArgumentException(
          URL_ENV + "=" + url + " is not an http:// or https:// URL");
    }
    return uri;
  }

  /**
   * The registry this process is configured with ({@value #URL_PROPERTY}, else {@value #URL_ENV}),
   * one client per URL, or null when neither is set (the default: single-object encoding, no
   * registry).
   */
  public static SchemaRegistry configured() {
    String url = System.getProperty(URL_PROPERTY);
    if (url == null || url.isBlank()) {
      url = System.getenv(URL_ENV);
    }
    if (url == null || url.isBlank()) {
      return null;
    }
    String auth = System.getenv(AUTH_ENV);
    return SHARED.computeIfAbsent(url.strip(), u -> new SchemaRegistry(u, auth));
  }

  /**
   * The registry could not answer (not reachable, HTTP 5xx or 429): nothing is wrong with the
   * record, so a reader must not dead-letter it; retriable, as a broker that is away.
   */
  public static final class Unavailable extends org.apache.kafka.common.errors.RetriableException {
    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public URI url() {
    return base;
  }

  /** The subject of a topic's values (Confluent's default TopicNameStrategy). */
  public static String valueSubject(String topic) {
    return topic + "-value";
  }

  /**
   * The id of this schema under {@code subject}, registering it there when it is new.
   *
   * @throws SerializationException naming the registry, the subject and what it answered (an
   *     incompatible schema, a registry that cannot be reached, ...)
   */
  public int register(String subject, Schema schema) {
    String key = subject + '\n' + schema.toString();
    Integer known = ids.get(key);
    if (known != null) {
      return known;
    }
    String body;
    try {
      body = JSON.writeValueAsString(Map.of("schemaType", "AVRO", "schema", schema.toString()));
    } catch (IOException e) {
      throw new SerializationException(e);
    }
    JsonNode answer =
        call(
            HttpRequest.newBuilder(resolve("/subjects/" + encode(subject) + "/versions"))
                .POST(HttpRequest.BodyPublishers.ofString(body)),
            "register " + schema.getFullName() + " under subject " + subject);
    JsonNode id = answer.get("id");
    if (id == null || !id.canConvertToInt()) {
      throw new SerializationException(
          "schema registry " + base + " answered no id for subject " + subject + ": " + answer);
    }
    int out = id.asInt();
    ids.put(key, out);
    schemas.putIfAbsent(out, schema);
    return out;
  }

  /**
   * The schema with this id.
   *
   * @throws SerializationException when the registry does not know it
   * @throws Unavailable when the registry cannot answer now
   */
  public Schema schema(int id) {
    Schema known = schemas.get(id);
    if (known != null) {
      return known;
    }
    JsonNode answer =
        call(
            HttpRequest.newBuilder(resolve("/schemas/ids/" + id)).GET(), "look up schema id " + id);
    JsonNode type = answer.get("schemaType");
    if (type != null && !"AVRO".equals(type.asText())) {
      throw new SerializationException(
          "schema id " + id + " in " + base + " is a " + type.asText() + " schema, not Avro");
    }
    JsonNode text = answer.get("schema");
    if (text == null) {
      throw new SerializationException(
          "schema registry " + base + " answered no schema for id " + id + ": " + answer);
    }
    Schema schema;
    try {
      schema = new Schema.Parser().parse(text.asText());
    } catch (RuntimeException e) {
      throw new SerializationException(
          "schema id " + id + " in " + base + " is not a readable Avro schema: " + e.getMessage(),
          e);
    }
    Schema raced = schemas.putIfAbsent(id, schema);
    return raced != null ? raced : schema;
  }

  private URI resolve(String path) {
    return URI.create(base + path);
  }

  private static String encode(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private JsonNode call(HttpRequest.Builder request, String what) {
    request
        .timeout(Duration.ofSeconds(30))
        .header("Accept", CONTENT_TYPE + ", application/json")
        .header("Content-Type", CONTENT_TYPE);
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new Unavailable(
          "cannot " + what + ": schema registry " + base + " cannot be reached (" + e + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SerializationException("interrupted while trying to " + what, e);
    }
    JsonNode json;
    try {
      json = JSON.readTree(response.body());
    } catch (IOException e) {
      json = null;
    }
    if (response.statusCode() / 100 != 2 || json == null) {
      String message =
          json != null && json.has("message")
              ? json.get("message").asText()
                  + (json.has("error_code") ? " (error_code " + json.get("error_code") + ")" : "")
              : abbreviate(response.body());
      String text =
          "cannot "
              + what
              + ": schema registry "
              + base
              + " answered HTTP "
              + response.statusCode()
              + ": "
              + message;
      if (response.statusCode() >= 500 || response.statusCode() == 429) {
        throw new Unavailable(text, null);
      }
      throw new SerializationException(text);
    }
    return json;
  }

  private static String abbreviate(String s) {
    return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}
