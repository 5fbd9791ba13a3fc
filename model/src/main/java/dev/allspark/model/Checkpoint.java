package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import dev.allspark.schemas.labels.ClassSet;
import java.io.IOException;
import java.io.OutputStream;
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
 * One self-describing checkpoint file (format {@value #FORMAT}): model config, class set, every
 * weight and BatchNorm statistic, the Semantic Memory with its pointers, optimizer state, training
 * step, metrics, free-form info (version, parent, watermark...), and a SHA-256 of all of it.
 *
 * <p>Layout: the 8 bytes {@code ALLSPARK}, a little-endian int32 format version, an int32 header
 * length, the UTF-8 JSON header (everything but the tensor values, with each tensor's name, group,
 * shape and offset), the float32 little-endian tensor values, and the 32-byte SHA-256 of every byte
 * before it. A truncated or altered file fails the length or hash check and is refused.
 */
public final class Checkpoint {
  public static final String FORMAT = "allspark-ckpt/1";
  static final int FORMAT_VERSION = 1;
  private static final byte[] MAGIC = "ALLSPARK".getBytes(StandardCharsets.US_ASCII);
  private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

  /** A float32 tensor on the host. */
  public record Tensor(long[] shape, float[] data) {
    public Tensor {
      long size = 1;
      for (long d : shape) {
        size *= d;
      }
      if (size != data.length) {
        throw new IllegalArgumentException(
            "tensor of shape "
                + java.util.Arrays.toString(shape)
                + " cannot hold "
                + data.length
                + " values");
      }
    }

    public static Tensor of(NDArray array) {
      return new Tensor(array.getShape().getShape(), array.toFloatArray());
    }

    public NDArray toArray(NDManager manager) {
      return HostArrays.floats(manager, data, new Shape(shape));
    }
  }

  private final ModelConfig config;
  private final ClassSet classes;
  private final long step;
  private final Map<String, Double> metrics;
  private final Map<String, String> info;
  private final Map<String, Tensor> weights;
  private final Map<String, Tensor> optimizer;
  private final float[] memoryQueue;
  private final int[] memoryPointers;
  private final String sha256;

  private Checkpoint(
      ModelConfig config,
      ClassSet classes,
      long step,
      Map<String, Double> metrics,
      Map<String, String> info,
      Map<String, Tensor> weights,
      Map<String, Tensor> optimizer,
      float[] memoryQueue,
      int[] memoryPointers,
      String sha256) {
    this.config = config;
    this.classes = classes;
    this.step = step;
    this.metrics = Map.copyOf(metrics);
    this.info = Map.copyOf(info);
    this.weights = weights;
    this.optimizer = optimizer;
    this.memoryQueue = memoryQueue;
    this.memoryPointers = memoryPointers;
    this.sha256 = sha256;
  }

  /** A snapshot of a network (weights, statistics, memory) with training state. */
  public static Checkpoint of(
      AllSparkNet net,
      ClassSet classes,
      long step,
      Map<String, Double> metrics,
      Map<String, String> info,
      Map<String, Tensor> optimizerState) {
    if (classes.size() != net.config().numClasses()) {
      throw new IllegalArgumentException(
          classes.size()
              + " class names for a network of "
              + net.config().numClasses()
              + " classes");
    }
    Map<String, Tensor> weights = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
      weights.put(e.getKey(), Tensor.of(e.getValue().getArray()));
    }
    SemanticMemory memory = net.memory();
    return new Checkpoint(
        net.config(),
        classes,
        step,
        metrics,
        info,
        weights,
        new LinkedHashMap<>(optimizerState),
        memory.queue(),
        memory.pointers(),
        null);
  }

  public ModelConfig config() {
    return config;
  }

  public ClassSet classes() {
    return classes;
  }

  public long step() {
    return step;
  }

  public Map<String, Double> metrics() {
    return metrics;
  }

  public Map<String, String> info() {
    return info;
  }

  public Map<String, Tensor> optimizerState() {
    return optimizer;
  }

  /** Every parameter and statistic by reference-style name. */
  public Map<String, Tensor> weights() {
    return java.util.Collections.unmodifiableMap(weights);
  }

  /** The Semantic Memory's ring buffers, as saved. */
  public float[] memoryQueue() {
    return memoryQueue.clone();
  }

  /** Hex SHA-256 of the file this was read from (null before it is written). */
  public String sha256() {
    return sha256;
  }

  /** A network on {@code manager}'s device (CPU or GPU) with these weights and this memory. */
  public AllSparkNet instantiate(NDManager manager) {
    AllSparkNet net = AllSparkNet.create(config, manager, 0);
    loadInto(net);
    return net;
  }

  /** Copies weights, statistics and memory into a network of the same config. */
  public void loadInto(AllSparkNet net) {
    if (!net.config().equals(config)) {
      throw new IllegalArgumentException(
          "checkpoint is for " + config + ", the network is " + net.config());
    }
    Map<String, Parameter> params = net.namedParameters();
    if (!params.keySet().equals(weights.keySet())) {
      throw new IllegalArgumentException(
          "checkpoint weights do not match the network: missing "
              + params.keySet().stream().filter(k -> !weights.containsKey(k)).toList()
              + ", unexpected "
              + weights.keySet().stream().filter(k -> !params.containsKey(k)).toList());
    }
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      NDArray target = e.getValue().getArray();
      Tensor source = weights.get(e.getKey());
      if (!target.getShape().equals(new Shape(source.shape()))) {
        throw new IllegalArgumentException(
            e.getKey()
                + ": checkpoint shape "
                + new Shape(source.shape())
                + ", network "
                + target.getShape());
      }
      target.set(source.data());
    }
    net.memory().restore(memoryQueue, memoryPointers);
  }

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
  public byte[] toBytes() {
    List<TensorHeader> tensors = new ArrayList<>();
    List<float[]> values = new ArrayList<>();
    long offset = 0;
    for (var group : List.of(Map.entry("weights", weights), Map.entry("optimizer", optimizer))) {
      for (Map.Entry<String, Tensor> e : group.getValue().entrySet()) {
        tensors.add(new TensorHeader(group.getKey(), e.getKey(), e.getValue().shape(), offset));
        values.add(e.getValue().data());
        offset += 4L * e.getValue().data().length;
      }
    }
    tensors.add(
        new TensorHeader(
            "memory",
            "queue",
            new long[] {config.numClasses(), config.dims()[3], config.memoryTokens()},
            offset));
    values.add(memoryQueue);
    offset += 4L * memoryQueue.length;
    Header header =
        new Header(
            FORMAT,
            config,
            classes,
            step,
            metrics,
            info,
            new MemoryHeader(
                config.numClasses(), config.dims()[3], config.memoryTokens(), memoryPointers),
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

  /**
   * Writes the file atomically: a temporary file in the same folder, flushed to disk, then moved
   * over the target, so no reader ever sees half a checkpoint.
   *
   * @return the hex SHA-256 of the file
   */
  public String write(Path file) throws IOException {
    byte[] bytes = toBytes();
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

  public void write(OutputStream out) throws IOException {
    out.write(toBytes());
  }

  public static Checkpoint read(Path file) throws IOException {
    try {
      return fromBytes(Files.readAllBytes(file));
    } catch (InvalidCheckpointException e) {
      throw new InvalidCheckpointException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Parses and verifies a checkpoint.
   *
   * @throws InvalidCheckpointException when the bytes are not a complete, unaltered checkpoint
   */
  public static Checkpoint fromBytes(byte[] bytes) {
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
    if (!FORMAT.equals(header.format())) {
      throw new InvalidCheckpointException("unknown checkpoint format " + header.format());
    }
    int dataStart = buffer.position() + headerLength;
    Map<String, Tensor> weights = new LinkedHashMap<>();
    Map<String, Tensor> optimizer = new LinkedHashMap<>();
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
      Tensor tensor = new Tensor(t.shape(), data);
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
