package dev.allspark.inference;

/**
 * Where one frame's time went, from capture to its committed result, in milliseconds. The stages
 * add up to {@link #endToEndMs()}:
 *
 * <ul>
 *   <li>{@code delivery}: capture to the poll thread holding the record (the producer, the broker,
 *       the consumer's fetch);
 *   <li>{@code queue}: held until the worker took its micro-batch (waiting for a batch to fill, or
 *       for the worker to finish the one before);
 *   <li>{@code decode}: the batch's records decoded and checked (Avro, JPEG/PNG);
 *   <li>{@code model}: the batch's forward pass and post-processing ({@code Segmenter});
 *   <li>{@code encode}: the batch's output records built (class-map PNG, Avro);
 *   <li>{@code commit}: the batch done to its transaction committed (the poll thread noticing, the
 *       sends, the offsets, the commit).
 * </ul>
 *
 * A reader sees the result once the transaction's markers are written, a little after {@code
 * committedAtMillis}.
 *
 * @param batchSize frames of the micro-batch the frame went through the model in
 */
public record FrameTrace(
    String frameId,
    long capturedAtMillis,
    long committedAtMillis,
    int batchSize,
    double deliveryMs,
    double queueMs,
    double decodeMs,
    double modelMs,
    double encodeMs,
    double commitMs) {

  /** The stage names, in order. */
  public static final String[] STAGES = {
    "delivery", "queue", "decode", "model", "encode", "commit"
  };

  /** Capture to commit. */
  public double endToEndMs() {
    return deliveryMs + queueMs + decodeMs + modelMs + encodeMs + commitMs;
  }

  /** Everything but the model: what the service adds to a frame's forward pass. */
  public double overheadMs() {
    return endToEndMs() - modelMs;
  }

  /** One stage by its name in {@link #STAGES}. */
  public double stageMs(String stage) {
    return switch (stage) {
      case "delivery" -> deliveryMs;
      case "queue" -> queueMs;
      case "decode" -> decodeMs;
      case "model" -> modelMs;
      case "encode" -> encodeMs;
      case "commit" -> commitMs;
      default -> throw new IllegalArgumentException("no stage " + stage);
    };
  }
}
