package dev.allspark.schemas.kafka;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for one generated Avro type, in Avro single-object encoding: every value starts with
 * the marker {@code C3 01} and the writer schema's fingerprint, so the reader resolves the writer
 * schema from {@link ReleasedSchemas} and no registry server is needed.
 *
 * <p>Decoding failures raise {@link RecordDecodeException}; {@link #decode(ConsumerRecord)} places
 * them at the record's partition and offset.
 *
 * @param <T> the generated record class
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
  /** Consumer/Streams config key: a folder of extra {@code .avsc} writer schemas. */
  public static final String SCHEMAS_DIR_CONFIG = "allspark.schemas.dir";

  private final Class<T> type;
  private volatile BinaryMessageEncoder<T> encoder;
  private volatile BinaryMessageDecoder<T> decoder;

  public AvroSerde(Class<T> type) {
    this(type, ReleasedSchemas.bundled());
  }

  public AvroSerde(Class<T> type, SchemaStore store) {
    this.type = Objects.requireNonNull(type, "type");
    setStore(store);
  }

  private void setStore(SchemaStore store) {
    SpecificData model = SpecificData.getForClass(type);
    org.apache.avro.Schema schema = model.getSchema(type);
    this.encoder = new BinaryMessageEncoder<>(model, schema);
    this.decoder = new BinaryMessageDecoder<>(model, schema, store);
  }

  public Class<T> type() {
    return type;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    Object dir = configs.get(SCHEMAS_DIR_CONFIG);
    if (dir != null && !dir.toString().isBlank()) {
      setStore(ReleasedSchemas.bundledPlus(Path.of(dir.toString())));
    }
  }

  /** Encodes one value (null stays null: a tombstone). */
  public byte[] encode(T value) {
    if (value == null) {
      return null;
    }
    try {
      ByteBuffer buffer = encoder.encode(value);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          "cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Decodes one value read from {@code topic}; null (a tombstone) stays null.
   *
   * @throws RecordDecodeException naming the topic and why
   */
  public T decode(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    try {
      return decoder.decode(data);
    } catch (MissingSchemaException e) {
      throw RecordDecodeException.inTopic(
          topic,
          "writer schema of this "
              + type.getSimpleName()
              + " is not a released schema (unknown fingerprint): "
              + e.getMessage(),
          e);
    } catch (BadHeaderException e) {
      throw RecordDecodeException.inTopic(
          topic,
          "not an Avro single-object encoded " + type.getSimpleName() + ": " + e.getMessage(),
          e);
    } catch (IOException | RuntimeException e) {
      throw RecordDecodeException.inTopic(
          topic, "corrupt " + type.getSimpleName() + " (" + data.length + " bytes): " + e, e);
    }
  }

  /**
   * Decodes the value of a raw record.
   *
   * @throws RecordDecodeException naming topic, partition, offset and why
   */
  public T decode(ConsumerRecord<?, byte[]> record) {
    try {
      return decode(record.topic(), record.value());
    } catch (RecordDecodeException e) {
      throw e.at(record);
    }
  }

  @Override
  public Serializer<T> serializer() {
    return new Serializer<>() {
      @Override
      public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerde.this.configure(configs, isKey);
      }

      @Override
      public byte[] serialize(String topic, T data) {
        return encode(data);
      }
    };
  }

  @Override
  public Deserializer<T> deserializer() {
    return new Deserializer<>() {
      @Override
      public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerde.this.configure(configs, isKey);
      }

      @Override
      public T deserialize(String topic, byte[] data) {
        return decode(topic, data);
      }

      @Override
      public T deserialize(String topic, Headers headers, byte[] data) {
        return decode(topic, data);
      }
    };
  }
}
