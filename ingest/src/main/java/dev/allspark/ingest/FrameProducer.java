package dev.allspark.ingest;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.images.FrameRules;
import dev.allspark.schemas.kafka.AvroSerde;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes frames to {@code camera.frames}, keyed by camera id (one camera's frames stay in order in
 * one partition), with an idempotent producer and {@code acks=all}. Each frame is checked at the
 * edge first: required fields, an image that decodes as its declared encoding at its declared size,
 * and a record that fits the topic's message limit; a frame that fails is refused with a {@link
 * RejectedFrameException} naming what is wrong, before anything reaches Kafka.
 */
public final class FrameProducer implements AutoCloseable {
  /** A frame refused at the edge; {@code tooLarge} for a size over the limit (HTTP 413). */
  public static final class RejectedFrameException extends Exception {
    private final boolean tooLarge;

    public RejectedFrameException(String message, boolean tooLarge) {
      super(message);
      this.tooLarge = tooLarge;
    }

    public boolean tooLarge() {
      return tooLarge;
    }
  }

  /** Room for the record's other fields and the single-object header. */
  private static final int RECORD_OVERHEAD = 4096;

  private final KafkaProducer<String, byte[]> producer;
  private final String topic;
  private final int maxRecordBytes;
  private final int decodeEvery;
  private final AtomicLong validated = new AtomicLong();
  private final AvroSerde<CameraFrame> serde;
  private final AtomicLong frames = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();

  /**
   * @param maxRecordBytes the topic's {@code max.message.bytes}
   * @param decodeEvery decode every n-th image in full to check it (1 = every image, 0 = none);
   *     every image's signature and header are checked whatever it is
   */
  public FrameProducer(
      Map<String, Object> clientConfig, String topic, int maxRecordBytes, int decodeEvery) {
    this(clientConfig, topic, maxRecordBytes, decodeEvery, new AvroSerde<>(CameraFrame.class));
  }

  /** As the other constructor, with the serde values are encoded by (its wire format). */
  FrameProducer(
      Map<String, Object> clientConfig,
      String topic,
      int maxRecordBytes,
      int decodeEvery,
      AvroSerde<CameraFrame> serde) {
    this.serde = serde;
    if (decodeEvery < 0) {
      throw new IllegalArgumentException("decodeEvery must be >= 0, got " + decodeEvery);
    }
    Map<String, Object> c = new HashMap<>(clientConfig);
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRecordBytes + RECORD_OVERHEAD);
    c.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 10);
    c.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20);
    c.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "allspark-ingest");
    this.producer = new KafkaProducer<>(c, new StringSerializer(), new ByteArraySerializer());
    this.topic = topic;
    this.maxRecordBytes = maxRecordBytes;
    this.decodeEvery = decodeEvery;
  }

  /** The Kafka producer, for its metrics. */
  KafkaProducer<String, byte[]> kafka() {
    return producer;
  }

  /** Checks a frame and builds its record value. */
  public CameraFrame validate(SourceFrame f) throws RejectedFrameException {
    for (String[] field :
        new String[][] {
          {"frame id", f.frameId()}, {"vehicle id", f.vehicleId()}, {"camera id", f.cameraId()}
        }) {
      if (field[1] == null || field[1].isBlank()) {
        throw new RejectedFrameException(field[0] + " is missing", false);
      }
    }
    if (f.image() == null || f.image().length == 0) {
      throw new RejectedFrameException("the image is empty", false);
    }
    if (f.image().length + RECORD_OVERHEAD > maxRecordBytes) {
      throw new RejectedFrameException(
          "the image has "
              + f.image().length
              + " bytes; with the record's other fields it exceeds the topic's limit of "
              + maxRecordBytes
              + " bytes",
          true);
    }
    String wrong = FrameRules.encoding(f.encoding());
    if (wrong == null) {
      wrong = FrameRules.signature(f.encoding(), f.image());
    }
    if (wrong != null) {
      throw new RejectedFrameException(wrong, false);
    }
    // every frame: the header's size (no pixel decoded), which the declared size must be
    int[] header = FrameRules.headerSize(f.image());
    if (header == null) {
      throw new RejectedFrameException(FrameRules.unreadableHeader(f.encoding()), false);
    }
    int w = f.width() > 0 ? f.width() : header[0];
    int h = f.height() > 0 ? f.height() : header[1];
    wrong = FrameRules.size(w, h, header[0], header[1]);
    if (wrong != null) {
      throw new RejectedFrameException(wrong, false);
    }
    // every n-th frame: the whole image (a frame that is not decoded here and does not decode
    // reaches every consumer's dead-letter topic with the same reason)
    long n = validated.getAndIncrement();
    if (decodeEvery > 0 && n % decodeEvery == 0) {
      BufferedImage image;
      try {
        image = ImageIO.read(new ByteArrayInputStream(f.image()));
      } catch (IOException | RuntimeException e) {
        image = null;
      }
      if (image == null) {
        throw new RejectedFrameException(FrameRules.undecodable(f.encoding(), null), false);
      }
    }
    return CameraFrame.newBuilder()
        .setFrameId(f.frameId())
        .setVehicleId(f.vehicleId())
        .setCameraId(f.cameraId())
        .setCaptureTime(Instant.ofEpochMilli(f.captureTimeMillis()))
        .setWidth(w)
        .setHeight(h)
        .setEncoding(f.encoding())
        .setImage(ByteBuffer.wrap(f.image()))
        .setMetadata(f.metadata() == null ? Map.of() : Map.copyOf(f.metadata()))
        .build();
  }

  /** Validates and sends; the future completes when the broker has the frame. */
  public Future<RecordMetadata> send(SourceFrame f) throws RejectedFrameException {
    return send(validate(f));
  }

  /** Sends a frame {@link #validate} accepted (validation can run on other threads). */
  public Future<RecordMetadata> send(CameraFrame frame) {
    byte[] value = serde.encode(topic, frame);
    frames.incrementAndGet();
    bytes.addAndGet(value.length);
    return producer.send(new ProducerRecord<>(topic, frame.getCameraId(), value));
  }

  public void flush() {
    producer.flush();
  }

  public long framesSent() {
    return frames.get();
  }

  public long bytesSent() {
    return bytes.get();
  }

  @Override
  public void close() {
    producer.close();
  }
}
