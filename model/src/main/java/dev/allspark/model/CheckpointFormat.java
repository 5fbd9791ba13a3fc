package dev.allspark.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import dev.allspark.schemas.labels.ClassSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bytes of a {@link Checkpoint} (format {@value Checkpoint#FORMAT}).
 *
 * <p>Layout: the 8 bytes {@code ALLSPARK}, a little-endian int32 format version, an int32 header
 * length, the UTF-8 JSON header (everything but the tensor values, with each tensor's name, group,
 * shape and offset), the float32 little-endian tensor values, and the 32-byte SHA-256 of every byte
 * before it. A truncated or altered file fails the length or hash check and is refused. The header
 * is written with Gson, the JSON library DJL brings, as every file of this format so far was.
 */
final class CheckpointFormat {
  static final int FORMAT_VERSION = 1;
  private static final byte[] MAGIC = "ALLSPARK".getBytes(StandardCharsets.US_ASCII);
  private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

  private CheckpointFormat() {}

  /** Header: everything but tensor values. */
  private record Header(
      String format,
      ModelConfig config,
      ClassSet classes,
      long step,
      Map<String, Double> metrics,
      Map<String, String> info,
      MemoryHeader memory,
      List<TensorHeader> tensors) {}

  private record MemoryHeader(int classes, int slots, int tokens, int[] pointers) {}

  private record TensorHeader(String group, String name, long[] shape, long offset) {}

  /** The file's bytes. */
  static byte[] encode(Checkpoint c) {
    List<TensorHeader> tensors = new ArrayList<>();
    List<float[]> values = new ArrayList<>();
    long offset = 0;
    for (var group :
        List.of(Map.entry("weights", c.weightsRaw()), Map.entry("optimizer", c.optimizerRaw()))) {
      for (Map.Entry<String, Checkpoint.Tensor> e : group.getValue().entrySet()) {
        tensors.add(new TensorHeader(group.getKey(), e.getKey(), e.getValue().shape(), offset));
        values.add(e.getValue().data());
        offset += 4L * e.getValue().data().length;
      }
    }
    tensors.add(
        new TensorHeader(
            "memory",
            "queue",
            new long[] {c.config().numClasses(), c.config().dims()[3], c.config().memoryTokens()},
            offset));
    values.add(c.memoryQueueRaw());
    offset += 4L * c.memoryQueueRaw().length;
    Header header =
        new Header(
            Checkpoint.FORMAT,
            c.config(),
            c.classes(),
            c.step(),
            c.metrics(),
            c.info(),
            new MemoryHeader(
                c.config().numClasses(),
                c.config().dims()[3],
                c.config().memoryTokens(),
                c.memoryPointers()),
            tensors);
    byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
    long total = MAGIC.length + 8L + json.length + offset + 32;
    if (total > Integer.MAX_VALUE - 16) {
      throw new IllegalStateException("checkpoint of " + total + " bytes is too large");
    }
    ByteBuffer buffer = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    buffer.put(MAGIC).putInt(FORMAT_VERSION).putInt(json.length).put(json);
    for (float[] v : values) {
      buffer.asFloatBuffer().put(v);
      buffer.position(buffer.position() + 4 * v.length);
    }
    byte[] digest = sha256(buffer.array(), buffer.position());
    buffer.put(digest);
    return buffer.array();
  }

  /** Writes the bytes atomically (temporary file, forced to disk, moved over); their SHA-256. */
  static String write(byte[] bytes, Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return HexFormat.of().formatHex(bytes, bytes.length - 32, bytes.length);
  }

  /** Parses and verifies a checkpoint file. */
  static Checkpoint decode(byte[] bytes) {
    int minimum = MAGIC.length + 8 + 32;
    if (bytes.length < minimum
        || !java.util.Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new InvalidCheckpointException(
          "not an AllSpark checkpoint (" + bytes.length + " bytes, no ALLSPARK header)");
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    buffer.position(MAGIC.length);
    int version = buffer.getInt();
    if (version != FORMAT_VERSION) {
      throw new InvalidCheckpointException(
          "checkpoint format version "
              + version
              + " is not supported (this build reads "
              + FORMAT_VERSION
              + ")");
    }
    byte[] expected = sha256(bytes, bytes.length - 32);
    byte[] actual = java.util.Arrays.copyOfRange(bytes, bytes.length - 32, bytes.length);
    int headerLength = buffer.getInt();
    if (headerLength < 2 || headerLength > bytes.length - minimum) {
      throw new InvalidCheckpointException(
          "checkpoint is truncated or corrupt: header of "
              + headerLength
              + " bytes in a file of "
              + bytes.length);
    }
    if (!MessageDigest.isEqual(expected, actual)) {
      throw new InvalidCheckpointException(
          "checkpoint is truncated or altered: its SHA-256 does not match its content");
    }
    Header header;
    try {
      com.google.gson.JsonObject json =
          GSON.fromJson(
              new String(bytes, buffer.position(), headerLength, StandardCharsets.UTF_8),
              com.google.gson.JsonObject.class);
      withConfigDefaults(json);
      header = GSON.fromJson(json, Header.class);
    } catch (JsonParseException e) {
      throw new InvalidCheckpointException(
          "checkpoint header is not valid JSON: " + e.getMessage(), e);
    }
    if (!Checkpoint.FORMAT.equals(header.format())) {
      throw new InvalidCheckpointException("unknown checkpoint format " + header.format());
    }
    int dataStart = buffer.position() + headerLength;
    Map<String, Checkpoint.Tensor> weights = new LinkedHashMap<>();
    Map<String, Checkpoint.Tensor> optimizer = new LinkedHashMap<>();
    float[] queue = null;
    for (TensorHeader t : header.tensors()) {
      long size = 1;
      for (long d : t.shape()) {
        size *= d;
      }
      long start = dataStart + t.offset();
      if (start < dataStart || start + 4 * size > bytes.length - 32) {
        throw new InvalidCheckpointException(
            "tensor " + t.group() + "/" + t.name() + " lies outside the file");
      }
      float[] data = new float[(int) size];
      ByteBuffer.wrap(bytes, (int) start, (int) (4 * size))
          .order(ByteOrder.LITTLE_ENDIAN)
          .asFloatBuffer()
          .get(data);
      Checkpoint.Tensor tensor = new Checkpoint.Tensor(t.shape(), data);
      switch (t.group()) {
        case "weights" -> weights.put(t.name(), tensor);
        case "optimizer" -> optimizer.put(t.name(), tensor);
        case "memory" -> queue = data;
        default -> throw new InvalidCheckpointException("unknown tensor group " + t.group());
      }
    }
    if (queue == null) {
      throw new InvalidCheckpointException("checkpoint holds no Semantic Memory");
    }
    return new Checkpoint(
        header.config(),
        header.classes(),
        header.step(),
        header.metrics() == null ? Map.of() : header.metrics(),
        header.info() == null ? Map.of() : header.info(),
        weights,
        optimizer,
        queue,
        header.memory().pointers(),
        HexFormat.of().formatHex(actual));
  }

  /**
   * Checkpoints written before a config setting existed do not name it; they were trained with what
   * is now its default (the head's Dropout2d at 0.1, the AllSpark block present).
   */
  private static void withConfigDefaults(com.google.gson.JsonObject header) {
    if (header != null && header.get("config") instanceof com.google.gson.JsonObject config) {
      if (!config.has("headDropout")) {
        config.addProperty("headDropout", 0.1f);
      }
      if (!config.has("bottleneck")) {
        config.addProperty("bottleneck", true);
      }
    }
  }

  private static byte[] sha256(byte[] bytes, int length) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(bytes, 0, length);
      return digest.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
