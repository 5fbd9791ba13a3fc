package dev.allspark.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.apicurio.registry.resolver.ParsedSchemaImpl;
import io.apicurio.registry.resolver.SchemaLookupResult;
import io.apicurio.registry.resolver.SchemaParser;
import io.apicurio.registry.resolver.SchemaResolver;
import io.apicurio.registry.resolver.data.Record;
import io.apicurio.registry.resolver.strategy.ArtifactReference;
import io.apicurio.registry.resolver.strategy.ArtifactReferenceResolverStrategy;
import io.apicurio.registry.rest.client.RegistryClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Lets Apicurio Registry's Kafka serde ({@code apicurio-registry-serdes-avro-serde}, a decoder and
 * an encoder no one here wrote) find its schemas in {@link RegistryStandIn} through the Confluent
 * API: id -> schema ({@code GET /schemas/ids/<id>}), schema -> id ({@code POST
 * /subjects/<topic>-value/versions}). Its own client speaks Apicurio's native API, which the
 * stand-in does not serve; the framing and the Avro body are Apicurio's code.
 */
public final class ApicurioStandInResolver implements SchemaResolver<Schema, Object> {
  static volatile String url;

  /** Points every resolver Apicurio's serde makes at this stand-in. */
  public static void use(RegistryStandIn registry) {
    url = registry.url();
  }

  /**
   * Apicurio serde settings: Confluent ids (4 bytes, contentId), this resolver, specific records.
   */
  public static java.util.Map<String, Object> serdeConfig() {
    java.util.Map<String, Object> c = new java.util.HashMap<>();
    c.put("apicurio.registry.url", "http://unused.invalid"); // its own client is not used
    c.put("apicurio.registry.as-confluent", true);
    c.put("apicurio.registry.use-id", "contentId");
    c.put("apicurio.registry.use-specific-avro-reader", true);
    c.put("apicurio.registry.schema-resolver", ApicurioStandInResolver.class.getName());
    return c;
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private SchemaParser<Schema, Object> parser;

  @Override
  public void configure(Map<String, ?> configs, SchemaParser<Schema, Object> parser) {
    this.parser = parser;
  }

  @Override
  public void setClient(RegistryClient client) {}

  @Override
  public void setArtifactResolverStrategy(
      ArtifactReferenceResolverStrategy<Schema, Object> strategy) {}

  @Override
  public SchemaParser<Schema, Object> getSchemaParser() {
    return parser;
  }

  @Override
  public SchemaLookupResult<Schema> resolveSchema(Record<Object> data) {
    Schema schema = parser.getSchemaFromData(data).getParsedSchema();
    String topic =
        ((io.apicurio.registry.serde.data.KafkaSerdeMetadata) data.metadata()).getTopic();
    String body;
    try {
      body = JSON.writeValueAsString(Map.of("schema", schema.toString()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    int id =
        call(HttpRequest.newBuilder(URI.create(url + "/subjects/" + topic + "-value/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)))
            .get("id")
            .asInt();
    return result(schema, id);
  }

  @Override
  public SchemaLookupResult<Schema> resolveSchemaByArtifactReference(ArtifactReference ref) {
    long id = ref.getContentId() != null ? ref.getContentId() : ref.getGlobalId();
    String text =
        call(HttpRequest.newBuilder(URI.create(url + "/schemas/ids/" + id)).GET())
            .get("schema")
            .asText();
    return result(new Schema.Parser().parse(text), id);
  }

  private SchemaLookupResult<Schema> result(Schema schema, long id) {
    return SchemaLookupResult.<Schema>builder()
        .parsedSchema(
            new ParsedSchemaImpl<Schema>()
                .setParsedSchema(schema)
                .setRawSchema(schema.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .contentId(id)
        .globalId(id)
        .build();
  }

  private com.fasterxml.jackson.databind.JsonNode call(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
      }
      return JSON.readTree(r.body());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void reset() {}

  @Override
  public void close() {}
}
