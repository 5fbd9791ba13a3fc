package dev.allspark.schemas.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.ImageEncoding;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schema evolution through single-object encoding: the reader finds the writer schema by
 * fingerprint in the store and resolves it into its own.
 */
class SchemaEvolutionTest {

  /** CameraFrame with these encoding symbols and these fields after {@code image}. */
  static Schema cameraFrame(String symbols, String laterFields) {
    return new Schema.Parser()
        .parse(
            """
            {"type": "record", "name": "CameraFrame", "namespace": "dev.allspark.schemas",
             "fields": [
               {"name": "frameId", "type": "string"},
               {"name": "vehicleId", "type": "string"},
               {"name": "cameraId", "type": "string"},
               {"name": "captureTime", "type": {"type": "long", "logicalType": "timestamp-millis"}},
               {"name": "width", "type": "int"},
               {"name": "height", "type": "int"},
               {"name": "encoding", "type": {"type": "enum", "name": "ImageEncoding",
                 "symbols": [%s], "default": "UNKNOWN"}},
               {"name": "image", "type": "bytes"}%s
             ]}
            """
                .formatted(symbols, laterFields));
  }

  /** CameraFrame as an earlier release had it: no claim check, no metadata. */
  static final Schema OLDER = cameraFrame("\"UNKNOWN\", \"JPEG\", \"PNG\"", "");

  /** CameraFrame as a later release might have it: an added field and enum symbol, defaulted. */
  static final Schema NEWER =
      cameraFrame(
          "\"UNKNOWN\", \"JPEG\", \"PNG\", \"WEBP\"",
          """
          ,
          {"name": "imageRef", "type": ["null", "string"], "default": null},
          {"name": "metadata", "type": {"type": "map", "values": "string"}, "default": {}},
          {"name": "exposureMicros", "type": "long", "default": 0}""");

  static byte[] write(Schema schema, Map<String, Object> fields) throws IOException {
    GenericRecord record = new GenericData.Record(schema);
    fields.forEach(record::put);
    ByteBuffer buffer =
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(record);
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }

  static Map<String, Object> commonFields(Schema schema, String encoding) {
    Schema enumSchema = schema.getField("encoding").schema();
    return new java.util.HashMap<>(
        Map.of(
            "frameId",
            "f-1",
            "vehicleId",
            "v-1",
            "cameraId",
            "c-1",
            "captureTime",
            1_700_000_000_123L,
            "width",
            640,
            "height",
            480,
            "encoding",
            new GenericData.EnumSymbol(enumSchema, encoding),
            "image",
            ByteBuffer.wrap(new byte[] {1, 2, 3})));
  }

  static Path storeDir(Path dir, Schema... schemas) throws IOException {
    int i = 0;
    for (Schema schema : schemas) {
      Files.writeString(dir.resolve("CameraFrame-v" + (i++) + ".avsc"), schema.toString());
    }
    return dir;
  }

  @Test
  void newerReaderReadsARecordOfAnOlderWriter(@TempDir Path dir) throws IOException {
    byte[] old = write(OLDER, commonFields(OLDER, "JPEG"));
    AvroSerde<CameraFrame> reader =
        new AvroSerde<>(CameraFrame.class, ReleasedSchemas.bundledPlus(storeDir(dir, OLDER)));

    CameraFrame frame = reader.decode("camera.frames", old);

    assertThat(frame.getFrameId()).isEqualTo("f-1");
    assertThat(frame.getWidth()).isEqualTo(640);
    assertThat(frame.getEncoding()).isEqualTo(ImageEncoding.JPEG);
    assertThat(frame.getCaptureTime().toEpochMilli()).isEqualTo(1_700_000_000_123L);
    // Fields the older writer did not know take their defaults.
    assertThat(frame.getImageRef()).isNull();
    assertThat(frame.getMetadata()).isEmpty();
  }

  /**
   * A mask written before the labeling workflow (the released {@code LabelMask-v1} in the bundled
   * history) reads with the workflow's fields at their defaults; a v1 request has no prediction.
   */
  @Test
  void aMaskAndARequestOfTheReleasedV1SchemasReadWithTheNewFieldsDefaulted() throws IOException {
    Schema v1;
    try (var in = ReleasedSchemas.class.getResourceAsStream("/avro/history/LabelMask-v1.avsc")) {
      v1 = new Schema.Parser().parse(in);
    }
    assertThat(v1.getField("changedShare")).isNull();
    Map<String, Object> fields = new java.util.HashMap<>();
    fields.put("frameId", "cam/1");
    fields.put("mask", ByteBuffer.wrap(new byte[] {1, 2}));
    fields.put("width", 2);
    fields.put("height", 1);
    fields.put("classSetVersion", "camvid-11");
    fields.put("labeler", "ann");
    fields.put("labeledAt", 1_700_000_000_000L);
    dev.allspark.schemas.LabelMask m =
        new AvroSerde<>(dev.allspark.schemas.LabelMask.class)
            .decode("labels.masks", write(v1, fields));
    assertThat(m.getLabeler()).isEqualTo("ann");
    assertThat(m.getSecondsSpent()).isNull();
    assertThat(m.getPredictionVersion()).isNull();
    assertThat(m.getChangedShare()).isNull();
    assertThat(m.getChangedByClass()).isEmpty();
    assertThat(m.getReviewer()).isNull();

    Schema r1;
    try (var in = ReleasedSchemas.class.getResourceAsStream("/avro/history/LabelRequest-v1.avsc")) {
      r1 = new Schema.Parser().parse(in);
    }
    var request = SampleRecords.request();
    // the sample as a v1 writer held it: the current binary read with v1 as the reader schema
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    var enc = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
    new org.apache.avro.specific.SpecificDatumWriter<>(dev.allspark.schemas.LabelRequest.class)
        .write(request, enc);
    enc.flush();
    GenericRecord g =
        new org.apache.avro.generic.GenericDatumReader<GenericRecord>(request.getSchema(), r1)
            .read(
                null,
                org.apache.avro.io.DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    assertThat(g.getSchema().getField("prediction")).isNull();
    ByteBuffer buffer = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), r1).encode(g);
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    dev.allspark.schemas.LabelRequest back =
        new AvroSerde<>(dev.allspark.schemas.LabelRequest.class).decode("frames.to-label", bytes);
    assertThat(back.getFrameId()).isEqualTo(request.getFrameId());
    assertThat(back.getPrediction()).isNull();
  }

  @Test
  void olderReaderReadsARecordOfANewerWriterWithAnAddedDefaultedField(@TempDir Path dir)
      throws IOException {
    Map<String, Object> fields = commonFields(NEWER, "WEBP");
    fields.put("imageRef", null);
    fields.put("metadata", Map.of("k", "v"));
    fields.put("exposureMicros", 8000L);
    byte[] newer = write(NEWER, fields);

    // The current classes play the older reader; the newer writer schema reaches it through the
    // schema folder (allspark.schemas.dir), as it would in a deployment.
    AvroSerde<CameraFrame> reader = new AvroSerde<>(CameraFrame.class);
    reader.configure(Map.of(AvroSerde.SCHEMAS_DIR_CONFIG, storeDir(dir, NEWER).toString()), false);

    CameraFrame frame = reader.deserializer().deserialize("camera.frames", newer);

    assertThat(frame.getFrameId()).isEqualTo("f-1");
    assertThat(frame.getMetadata()).containsEntry("k", "v");
    // A symbol the reader does not know becomes the enum's default; the added field is dropped.
    assertThat(frame.getEncoding()).isEqualTo(ImageEncoding.UNKNOWN);
    assertThat(frame.getSchema().getField("exposureMicros")).isNull();
  }

  @Test
  void aWriterSchemaOutsideTheStoreIsRefusedWithItsReason() throws IOException {
    Map<String, Object> fields = commonFields(NEWER, "PNG");
    fields.put("imageRef", null);
    fields.put("metadata", Map.of());
    fields.put("exposureMicros", 1L);
    byte[] newer = write(NEWER, fields);

    assertThatThrownBy(() -> new AvroSerde<>(CameraFrame.class).decode("camera.frames", newer))
        .isInstanceOfSatisfying(
            RecordDecodeException.class,
            e -> {
              assertThat(e.where().topic()).isEqualTo("camera.frames");
              assertThat(e.reason()).contains("not a released schema");
            });
  }

  @Test
  void aBadSchemaFolderIsReportedByItsSetting(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("broken.avsc"), "{not json");
    assertThatThrownBy(() -> ReleasedSchemas.bundledPlus(dir))
        .hasMessageContaining("allspark.schemas.dir")
        .hasMessageContaining("broken.avsc");
  }

  @Test
  void theBundledStoreFindsEveryCurrentSchemaByItsFingerprint() {
    ReleasedSchemas store = ReleasedSchemas.bundled();
    for (org.apache.avro.Schema schema : ReleasedSchemas.CURRENT) {
      long fingerprint = org.apache.avro.SchemaNormalization.parsingFingerprint64(schema);
      assertThat(store.findByFingerprint(fingerprint)).as(schema.getFullName()).isEqualTo(schema);
    }
  }
}
