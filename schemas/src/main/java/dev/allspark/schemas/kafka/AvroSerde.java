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
 * Kafka serde for one generated Avro type. By default in Avro single-object encoding: every value
 * starts with the marker {@code C3 01} and the writer schema's fingerprint, so the reader resolves
 * the writer schema from {@link ReleasedSchemas} and no registry server is needed.
 *
 * <p>With a {@link SchemaRegistry} (one setting for every service: {@value SchemaRegistry#URL_ENV})
 * values are written in the Confluent wire format instead: the byte {@code 00}, the schema's
 * registry id as 4 bytes big-endian, then the Avro binary body; the schema is registered under the
 * subject {@code <topic>-value}. Standard deserializers (Confluent's, Apicurio's with {@code
 * apicurio.registry.as-confluent}, Karapace users') read these. Reading accepts both formats, told
 * apart by the first byte, so a deployment can switch while old records are still on its topics.
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
  private final SchemaRegistry registry;
  private final SpecificData model;
  private final org.apache.avro.Schema schema;
  private final ConfluentWire<T> confluent;
  private volatile BinaryMessageEncoder<T> encoder;
  private volatile BinaryMessageDecoder<T> decoder;

  /**
   * A serde in the wire format this process is configured for ({@link SchemaRegistry#configured}).
   */
  public AvroSerde(Class<T> type) {
    this(type, ReleasedSchemas.bundled(), SchemaRegistry.configured());
  }

  public AvroSerde(Class<T> type, SchemaStore store) {
    this(type, store, SchemaRegistry.configured());
  }

  /**
   * @param registry where schema ids are registered and looked up; null = single-object encoding
   */
  public AvroSerde(Class<T> type, SchemaStore store, SchemaRegistry registry) {
    this.type = Objects.requireNonNull(type, "type");
    this.registry = registry;
    this.model = SpecificData.getForClass(type);
    this.schema = model.getSchema(type);
    this.confluent = new ConfluentWire<>(type, model, schema, registry);
    setStore(store);
  }

  /** A serde writing the Confluent wire format through this registry. */
  public static <T extends SpecificRecord> AvroSerde<T> confluent(
      Class<T> type, SchemaRegistry registry) {
    return new AvroSerde<>(
        type, ReleasedSchemas.bundled(), Objects.requireNonNull(registry, "registry"));
  }

  /** A serde writing single-object encoding, whatever the process is configured for. */
  public static <T extends SpecificRecord> AvroSerde<T> singleObject(Class<T> type) {
    return new AvroSerde<>(type, ReleasedSchemas.bundled(), null);
  }

  /** The registry values are written through, or null (single-object encoding). */
  public SchemaRegistry registry() {
    return registry;
  }

  private void setStore(SchemaStore store) {
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

  /**
   * Encodes one value in single-object encoding (null stays null: a tombstone).
   *
   * @throws IllegalStateException when this serde writes the Confluent wire format, which needs the
   *     topic: use {@link #encode(String, SpecificRecord)}
   */
  public byte[] encode(T value) {
    if (registry != null) {
      throw new IllegalStateException(
          "this "
              + type.getSimpleName()
              + " serde writes the Confluent wire format ("
              + SchemaRegistry.URL_ENV
              + " is set), whose schema subject is named after the topic: encode(topic, value)");
    }
    return singleObject(value);
  }

  /**
   * Encodes one value for {@code topic} (null stays null: a tombstone): Confluent wire format with
   * the schema registered under {@code <topic>-value} when a registry is set, else single-object.
   */
  public byte[] encode(String topic, T value) {
    if (value == null) {
      return null;
    }
    if (registry == null) {
      return singleObject(value);
    }
    return confluent.encode(topic, value);
  }

  private byte[] singleObject(T value) {
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
   * @throws SchemaRegistry.Unavailable when the writer schema must be looked up and the registry
   *     cannot answer now (a retriable error: the record is not at fault, do not dead-letter it)
   */
  public T decode(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    if (data.length > 0 && data[0] == ConfluentWire.MAGIC) {
      return confluent.decode(topic, data);
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
        return encode(topic, data);
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
