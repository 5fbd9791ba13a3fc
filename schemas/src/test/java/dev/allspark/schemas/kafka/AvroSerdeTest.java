package dev.allspark.schemas.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.CheckpointChunk;
import dev.allspark.schemas.CheckpointRecord;
import dev.allspark.schemas.LabelMask;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AvroSerdeTest {

  static List<SpecificRecord> values() {
    return List.of(
        SampleRecords.frame(),
        SampleRecords.request(),
        SampleRecords.mask(),
        SampleRecords.labeled(),
        SampleRecords.segmentation(),
        SampleRecords.manifest(),
        SampleRecords.chunk());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("values")
  @SuppressWarnings({"unchecked", "rawtypes"})
  void roundTripsEveryValueTypeInSingleObjectEncoding(SpecificRecord value) {
    AvroSerde serde = new AvroSerde(value.getClass());
    byte[] bytes = serde.serializer().serialize("t", value);

    // Single-object encoding: marker C3 01, then the writer schema's fingerprint (little endian).
    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    long fingerprint = SchemaNormalization.parsingFingerprint64(value.getSchema());
    for (int i = 0; i < 8; i++) {
      assertThat(bytes[2 + i]).isEqualTo((byte) (fingerprint >>> (8 * i)));
    }

    Object back = serde.deserializer().deserialize("t", bytes);
    assertThat(back).isEqualTo(value).isNotSameAs(value);
  }

  @Test
  void keepsLogicalTypesAndUnionsThroughTheWire() {
    AvroSerde<CheckpointRecord> serde = new AvroSerde<>(CheckpointRecord.class);
    CheckpointRecord chunk = serde.decode("t", serde.encode(SampleRecords.chunk()));
    assertThat(chunk.getBody()).isInstanceOf(CheckpointChunk.class);
    assertThat(((CheckpointChunk) chunk.getBody()).getIndex()).isEqualTo(2);

    AvroSerde<CameraFrame> frames = new AvroSerde<>(CameraFrame.class);
    CameraFrame frame = frames.decode("t", frames.encode(SampleRecords.frame()));
    assertThat(frame.getCaptureTime()).isEqualTo(SampleRecords.T0);
    assertThat(frame.getImageRef()).isNull();
    assertThat(frame.getMetadata()).containsEntry("weather", "rain");
  }

  @Test
  void nullIsATombstoneBothWays() {
    AvroSerde<LabelMask> serde = new AvroSerde<>(LabelMask.class);
    assertThat(serde.serializer().serialize("t", null)).isNull();
    assertThat(serde.deserializer().deserialize("t", null)).isNull();
  }

  @Test
  void corruptBytesRaiseTheTypedErrorNamingTopicAndReason() {
    AvroSerde<CameraFrame> serde = new AvroSerde<>(CameraFrame.class);
    byte[] bytes = serde.encode(SampleRecords.frame());
    byte[] truncated = Arrays.copyOf(bytes, bytes.length / 2);

    assertThatThrownBy(() -> serde.deserializer().deserialize("camera.frames", truncated))
        .isInstanceOfSatisfying(
            RecordDecodeException.class,
            e -> {
              assertThat(e.where().topic()).isEqualTo("camera.frames");
              assertThat(e.where().partition()).isEqualTo(-1);
              assertThat(e.reason()).contains("corrupt CameraFrame");
            });

    assertThatThrownBy(() -> serde.decode("camera.frames", "plain text".getBytes()))
        .isInstanceOf(RecordDecodeException.class)
        .hasMessageContaining("not an Avro single-object encoded CameraFrame");
  }

  @Test
  void aValueOfAnotherTypeIsRefusedNotMisread() {
    byte[] mask = new AvroSerde<>(LabelMask.class).encode(SampleRecords.mask());
    // A LabelMask's schema cannot be resolved into a CameraFrame (no defaults for its fields).
    assertThatThrownBy(() -> new AvroSerde<>(CameraFrame.class).decode("camera.frames", mask))
        .isInstanceOf(RecordDecodeException.class);
  }

  @Test
  void bundledStoreHoldsEveryCurrentValueSchema() {
    ReleasedSchemas store = ReleasedSchemas.bundled();
    for (var schema : ReleasedSchemas.CURRENT) {
      assertThat(store.findByFingerprint(SchemaNormalization.parsingFingerprint64(schema)))
          .isEqualTo(schema);
    }
  }

  @Test
  void everyTopicWithAValueHasASampleHere() {
    Map<Topic, SpecificRecord> samples = SampleRecords.everyValueType();
    for (Topic topic : Topic.values()) {
      if (topic.valueType() != null) {
        assertThat(samples.get(topic)).as(topic.name()).isInstanceOf(topic.valueType());
      }
    }
  }
}
