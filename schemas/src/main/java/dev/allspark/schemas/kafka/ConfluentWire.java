package dev.allspark.schemas.kafka;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The Confluent wire format of one Avro type, for {@link AvroSerde}: the byte {@code 00}, the
 * schema's registry id (4 bytes, big-endian), the Avro binary body. Writer schemas are looked up by
 * id in the {@link SchemaRegistry} (cached) and resolved into the type's own.
 */
final class ConfluentWire<T extends SpecificRecord> {
  static final byte MAGIC = 0;

  private final Class<T> type;
  private final SpecificData model;
  private final org.apache.avro.Schema schema;
  private final SchemaRegistry registry;
  private final org.apache.avro.specific.SpecificDatumWriter<T> writer;
  private final Map<Integer, org.apache.avro.specific.SpecificDatumReader<T>> readers =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** This type's schema id per topic: asked of the registry once, not per record. */
  private final Map<String, Integer> ids = new java.util.concurrent.ConcurrentHashMap<>();

  ConfluentWire(
      Class<T> type, SpecificData model, org.apache.avro.Schema schema, SchemaRegistry registry) {
    this.type = type;
    this.model = model;
    this.schema = schema;
    this.registry = registry;
    this.writer = new org.apache.avro.specific.SpecificDatumWriter<>(schema, model);
  }

  /** The value in the Confluent wire format, its schema registered under {@code <topic>-value}. */
  byte[] encode(String topic, T value) {
    Integer id = ids.get(topic);
    if (id == null) {
      id = registry.register(SchemaRegistry.valueSubject(topic), schema);
      ids.put(topic, id);
    }
    try {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256);
      out.write(MAGIC);
      out.write(ByteBuffer.allocate(4).putInt(id).array());
      org.apache.avro.io.BinaryEncoder body =
          org.apache.avro.io.EncoderFactory.get().directBinaryEncoder(out, null);
      writer.write(value, body);
      body.flush();
      return out.toByteArray();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          "cannot encode " + type.getSimpleName() + " for " + topic + ": " + e.getMessage(), e);
    }
  }

  /** A Confluent wire format value read from {@code topic}. */
  T decode(String topic, byte[] data) {
    if (data.length < 5) {
      throw RecordDecodeException.inTopic(
          topic,
          "not a Confluent wire format "
              + type.getSimpleName()
              + ": "
              + data.length
              + " bytes, fewer than the 5 of its header",
          null);
    }
    int id = ByteBuffer.wrap(data, 1, 4).getInt();
    if (registry == null) {
      throw RecordDecodeException.inTopic(
          topic,
          "a Confluent wire format "
              + type.getSimpleName()
              + " (schema id "
              + id
              + "), but no schema registry is configured to look its schema up (set "
              + SchemaRegistry.URL_ENV
              + ")",
          null);
    }
    org.apache.avro.specific.SpecificDatumReader<T> reader;
    try {
      reader =
          readers.computeIfAbsent(
              id,
              k -> {
                org.apache.avro.Schema written = registry.schema(k);
                if (!written.getFullName().equals(schema.getFullName())) {
                  throw new SerializationException(
                      "schema id "
                          + k
                          + " is "
                          + written.getFullName()
                          + ", not "
                          + schema.getFullName());
                }
                return new org.apache.avro.specific.SpecificDatumReader<>(written, schema, model);
              });
    } catch (SchemaRegistry.Unavailable e) {
      throw e; // the record may be fine: not a decode error, tried again by the caller
    } catch (SerializationException e) {
      throw RecordDecodeException.inTopic(topic, e.getMessage(), e);
    }
    try {
      org.apache.avro.io.BinaryDecoder body =
          org.apache.avro.io.DecoderFactory.get().binaryDecoder(data, 5, data.length - 5, null);
      T out = reader.read(null, body);
      if (!body.isEnd()) {
        throw new IOException("bytes left after the record");
      }
      return out;
    } catch (IOException | RuntimeException e) {
      throw RecordDecodeException.inTopic(
          topic,
          "corrupt Confluent wire format "
              + type.getSimpleName()
              + " (schema id "
              + id
              + ", "
              + data.length
              + " bytes): "
              + e,
          e);
    }
  }
}
