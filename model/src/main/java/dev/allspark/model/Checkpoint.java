package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.allspark.schemas.labels.ClassSet;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One self-describing checkpoint file (format {@value #FORMAT}): model config, class set, every
 * weight and BatchNorm statistic, the Semantic Memory with its pointers, optimizer state, training
 * step, metrics, free-form info (version, parent, watermark...), and a SHA-256 of all of it.
 *
 * <p>This is the value; its bytes (layout, verification, atomic writing) are {@link
 * CheckpointFormat}'s.
 */
public record Checkpoint(
    ModelConfig config,
    ClassSet classes,
    long step,
    Map<String, Double> metrics,
    Map<String, String> info,
    Map<String, Tensor> weights,
    Map<String, Tensor> optimizerState,
    float[] memoryQueue,
    int[] memoryPointers,
    String sha256) {
  public static final String FORMAT = "allspark-ckpt/1";

  /**
   * Info key: the factor the training frames were resized by before cropping (offline {@code train
   * --input-scale}); {@code evaluate} and the inference service feed frames to the network at that
   * scale. Absent = full resolution.
   */
  public static final String INPUT_SCALE = "inputScale";

  /** The {@link #INPUT_SCALE} this checkpoint records, 1 when it records none. */
  public double inputScale() {
    String v = info().get(INPUT_SCALE);
    if (v == null) {
      return 1.0;
    }
    double scale = Double.parseDouble(v);
    if (!(scale > 0 && scale <= 1)) {
      throw new InvalidCheckpointException("info " + INPUT_SCALE + " must be in (0, 1], got " + v);
    }
    return scale;
  }

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

  /**
   * @param weights every parameter and statistic by reference-style name
   * @param memoryQueue the Semantic Memory's ring buffers, as saved
   * @param sha256 hex SHA-256 of the file this was read from (null before it is written)
   */
  public Checkpoint {
    metrics = Map.copyOf(metrics);
    info = Map.copyOf(info);
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

  /** Every parameter and statistic by reference-style name. */
  @Override
  public Map<String, Tensor> weights() {
    return java.util.Collections.unmodifiableMap(weights);
  }

  /** The Semantic Memory's ring buffers, as saved (a copy). */
  @Override
  public float[] memoryQueue() {
    return memoryQueue.clone();
  }

  /** The Semantic Memory's write pointers, as saved (a copy). */
  @Override
  public int[] memoryPointers() {
    return memoryPointers.clone();
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

  /** The file's bytes ({@link CheckpointFormat}). */
  public byte[] toBytes() {
    return CheckpointFormat.encode(this);
  }

  /**
   * Writes the file atomically: a temporary file in the same folder, flushed to disk, then moved
   * over the target, so no reader ever sees half a checkpoint.
   *
   * @return the hex SHA-256 of the file
   */
  public String write(Path file) throws IOException {
    return CheckpointFormat.write(toBytes(), file);
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
   * Parses and verifies a checkpoint ({@link CheckpointFormat}).
   *
   * @throws InvalidCheckpointException when the bytes are not a complete, unaltered checkpoint
   */
  public static Checkpoint fromBytes(byte[] bytes) {
    return CheckpointFormat.decode(bytes);
  }

  float[] memoryQueueRaw() {
    return memoryQueue;
  }

  Map<String, Tensor> optimizerRaw() {
    return optimizerState;
  }

  Map<String, Tensor> weightsRaw() {
    return weights;
  }
}
