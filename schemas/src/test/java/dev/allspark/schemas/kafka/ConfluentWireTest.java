package dev.allspark.schemas.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.Segmentation;
import dev.allspark.testkit.ApicurioStandInResolver;
import dev.allspark.testkit.RegistryStandIn;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Confluent wire format (byte 0, 4-byte schema id, Avro body) against a decoder and an encoder
 * no one here wrote: Apicurio Registry's Kafka serde ({@code apicurio.registry.as-confluent}).
 * Schemas are registered with and looked up in {@link RegistryStandIn} through the registry's REST
 * API; Apicurio's serde reaches it through {@link StandInResolver}, a few lines of plain HTTP (its
 * own client speaks Apicurio's native API, which the stand-in does not serve).
 */
class ConfluentWireTest {
  private RegistryStandIn registry;
  private SchemaRegistry client;

  @BeforeEach
  void start() throws Exception {
    registry = new RegistryStandIn();
    ApicurioStandInResolver.use(registry);
    client = new SchemaRegistry(registry.url(), null);
  }

  @AfterEach
  void stop() {
    registry.close();
  }

  @Test
  void everyValueTypeIsReadByApicuriosDeserializerAndRegisteredUnderItsTopic() {
    Map<String, Integer> ids = new HashMap<>();
    for (Map.Entry<Topic, SpecificRecord> e : SampleRecords.everyValueType().entrySet()) {
      String topic = "fleet-a." + e.getKey().defaultName();
      byte[] bytes = encode(topic, e.getValue());
      assertThat(bytes[0]).as("magic byte").isZero();
      int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
      ids.put(topic + "-value", id);
      try (AvroKafkaDeserializer<Object> apicurio = apicurioDeserializer()) {
        Object read = apicurio.deserialize(topic, bytes);
        assertThat(read).as(topic).isEqualTo(e.getValue());
      }
    }
    // one subject per topic, each holding the schema id its records carry
    Map<String, java.util.List<Integer>> subjects = registry.subjects();
    assertThat(subjects).hasSize(SampleRecords.everyValueType().size());
    ids.forEach((subject, id) -> assertThat(subjects.get(subject)).containsExactly(id));
    // a running serde asks once per schema
    long posts = registry.requests().stream().filter(r -> r.startsWith("POST")).count();
    encode("fleet-a.segmentations", SampleRecords.segmentation());
    assertThat(registry.requests().stream().filter(r -> r.startsWith("POST")).count())
        .isEqualTo(posts);
  }

  @SuppressWarnings("unchecked")
  private byte[] encode(String topic, SpecificRecord value) {
    AvroSerde<SpecificRecord> serde =
        (AvroSerde<SpecificRecord>)
            (AvroSerde<?>)
                AvroSerde.confluent(value.getClass().asSubclass(SpecificRecord.class), client);
    return serde.encode(topic, value);
  }

  @Test
  void apicuriosSerializerWritesWhatWeRead() {
    Segmentation s = SampleRecords.segmentation();
    byte[] bytes;
    try (AvroKafkaSerializer<Object> apicurio = new AvroKafkaSerializer<>()) {
      apicurio.configure(ApicurioStandInResolver.serdeConfig(), false);
      bytes = apicurio.serialize("segmentations", s);
    }
    assertThat(bytes[0]).isZero();
    assertThat(AvroSerde.confluent(Segmentation.class, client).decode("segmentations", bytes))
        .isEqualTo(s);
  }

  @Test
  void aValueWrittenWithAnOlderReleasedSchemaReadsIntoTodaysType() throws Exception {
    Schema v1;
    try (var in = ReleasedSchemas.class.getResourceAsStream("/avro/history/LabelMask-v1.avsc")) {
      v1 = new Schema.Parser().parse(in);
    }
    LabelMask today = SampleRecords.mask();
    GenericRecord old = new GenericData.Record(v1);
    for (Schema.Field f : v1.getFields()) {
      old.put(f.name(), today.get(f.name()));
    }
    int id = client.register("labels.masks-value", v1);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(id).array());
    var enc = org.apache.avro.io.EncoderFactory.get().directBinaryEncoder(out, null);
    GenericData model = new GenericData();
    model.addLogicalTypeConversion(
        new org.apache.avro.data.TimeConversions.TimestampMillisConversion());
    new org.apache.avro.generic.GenericDatumWriter<GenericRecord>(v1, model).write(old, enc);
    enc.flush();

    // a new reader (its own client: nothing cached) looks the v1 schema up by id
    LabelMask read =
        AvroSerde.confluent(LabelMask.class, new SchemaRegistry(registry.url(), null))
            .decode("labels.masks", out.toByteArray());
    assertThat(read.getFrameId()).isEqualTo(today.getFrameId());
    assertThat(read.getChangedShare()).isNull(); // a field v1 did not have: its default
    assertThat(registry.requests()).contains("GET /schemas/ids/" + id);
    // and registering today's schema after v1 passes the subject's compatibility check
    assertThat(client.register("labels.masks-value", LabelMask.getClassSchema())).isNotEqualTo(id);
  }

  @Test
  void bothFormatsAreReadSoThatADeploymentCanSwitch() {
    Segmentation s = SampleRecords.segmentation();
    byte[] singleObject = AvroSerde.singleObject(Segmentation.class).encode(s);
    byte[] confluent = AvroSerde.confluent(Segmentation.class, client).encode("segmentations", s);
    AvroSerde<Segmentation> reader = AvroSerde.confluent(Segmentation.class, client);
    assertThat(reader.decode("segmentations", singleObject)).isEqualTo(s);
    assertThat(reader.decode("segmentations", confluent)).isEqualTo(s);
    // a reader without a registry says what is missing
    assertThatThrownBy(
            () -> AvroSerde.singleObject(Segmentation.class).decode("segmentations", confluent))
        .isInstanceOf(RecordDecodeException.class)
        .hasMessageContaining("Confluent wire format Segmentation (schema id 1)")
        .hasMessageContaining("ALLSPARK_SCHEMA_REGISTRY_URL");
  }

  @Test
  void errorsNameTheRegistryTheSubjectAndWhatItSaid() throws Exception {
    // an unknown id
    byte[] unknown = {0, 0, 0, 0, 42, 2};
    assertThatThrownBy(
            () -> AvroSerde.confluent(Segmentation.class, client).decode("segmentations", unknown))
        .isInstanceOf(RecordDecodeException.class)
        .hasMessageContaining("look up schema id 42")
        .hasMessageContaining("HTTP 404")
        .hasMessageContaining("Schema 42 not found (error_code 40403)");
    // an id of another type
    int maskId = client.register("labels.masks-value", LabelMask.getClassSchema());
    byte[] mask =
        AvroSerde.confluent(LabelMask.class, client).encode("labels.masks", SampleRecords.mask());
    assertThat(ByteBuffer.wrap(mask, 1, 4).getInt()).isEqualTo(maskId);
    assertThatThrownBy(
            () -> AvroSerde.confluent(Segmentation.class, client).decode("labels.masks", mask))
        .hasMessageContaining(
            "schema id "
                + maskId
                + " is dev.allspark.schemas.LabelMask, not dev.allspark.schemas.Segmentation");
    // an incompatible schema under a subject (a required field added without a default)
    Schema breaking =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"LabelMask\",\"namespace\":\"dev.allspark.schemas\","
                    + "\"fields\":[{\"name\":\"frameId\",\"type\":\"string\"},"
                    + "{\"name\":\"required\",\"type\":\"int\"}]}");
    assertThatThrownBy(() -> client.register("labels.masks-value", breaking))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining(
            "register dev.allspark.schemas.LabelMask under subject labels.masks-value")
        .hasMessageContaining("HTTP 409")
        .hasMessageContaining("incompatible");
    // a registry that is not there: retriable, and not the record's fault (no dead letter)
    String url = registry.url();
    registry.close();
    assertThatThrownBy(
            () ->
                AvroSerde.confluent(Segmentation.class, new SchemaRegistry(url, null))
                    .encode("segmentations", SampleRecords.segmentation()))
        .isInstanceOf(SchemaRegistry.Unavailable.class)
        .isInstanceOf(org.apache.kafka.common.errors.RetriableException.class)
        .hasMessageContaining("schema registry " + url + " cannot be reached");
    byte[] written = {0, 0, 0, 0, 1, 2};
    assertThatThrownBy(
            () ->
                AvroSerde.confluent(Segmentation.class, new SchemaRegistry(url, null))
                    .decode("segmentations", written))
        .isInstanceOf(SchemaRegistry.Unavailable.class)
        .isNotInstanceOf(RecordDecodeException.class);
    // a serde in registry mode refuses to encode without the topic, rather than guess a subject
    assertThatThrownBy(
            () ->
                AvroSerde.confluent(Segmentation.class, client)
                    .encode(SampleRecords.segmentation()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("encode(topic, value)");
    assertThatThrownBy(() -> new SchemaRegistry("registry:8081", null))
        .hasMessageContaining(
            "ALLSPARK_SCHEMA_REGISTRY_URL=registry:8081 is not an http:// or https:// URL");
  }

  @Test
  void aRegistryThatAnswers503IsUnavailableNotARecordError() throws Exception {
    registry.unavailable(true);
    SchemaRegistry busy = new SchemaRegistry(registry.url(), null);
    assertThatThrownBy(
            () ->
                AvroSerde.confluent(Segmentation.class, busy)
                    .decode("segmentations", new byte[] {0, 0, 0, 0, 9, 2}))
        .isInstanceOf(SchemaRegistry.Unavailable.class)
        .hasMessageContaining("HTTP 503")
        .hasMessageContaining("Error while forwarding the request (error_code 50003)");
  }

  @Test
  void basicAuthenticationIsSent() throws Exception {
    var seen = new java.util.concurrent.atomic.AtomicReference<String>();
    var server =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        x -> {
          seen.set(x.getRequestHeaders().getFirst("Authorization"));
          byte[] body = "{\"id\":7}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
          x.sendResponseHeaders(200, body.length);
          x.getResponseBody().write(body);
          x.close();
        });
    server.start();
    try {
      SchemaRegistry withAuth =
          new SchemaRegistry(
              "http://127.0.0.1:" + server.getAddress().getPort() + "/", "fleet:s3cret");
      assertThat(withAuth.register("segmentations-value", Segmentation.getClassSchema()))
          .isEqualTo(7);
      assertThat(seen.get()).isEqualTo("Basic ZmxlZXQ6czNjcmV0");
    } finally {
      server.stop(0);
    }
  }

  private static AvroKafkaDeserializer<Object> apicurioDeserializer() {
    AvroKafkaDeserializer<Object> d = new AvroKafkaDeserializer<>();
    d.configure(ApicurioStandInResolver.serdeConfig(), false);
    return d;
  }
}
