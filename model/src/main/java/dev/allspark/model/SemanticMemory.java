package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Random;

/**
 * AllSpark's class-wise Semantic Memory: for each class a ring buffer of {@code slots} channel
 * maps, each a vector of {@code tokens} values (one per token of the last encoder stage), with one
 * write pointer per class. It is filled, without gradient, with the unlabeled images' channels that
 * Channel Semantic Grouping assigned to the class, and read as keys and values of the labeled
 * branch's cross-attention after warm-up.
 *
 * <p>It lives on the host (a few hundred KB): writes are cheap, exact, and checkpointed as they
 * are; a read copies it to the device once per training step.
 */
public final class SemanticMemory {
  private final int classes;
  private final int slots;
  private final int tokens;

  /** [class][slot][token]. */
  private final float[] queue;

  private final int[] pointers;

  /** A memory initialised like the reference: standard normal values, pointers at 0. */
  public SemanticMemory(int classes, int slots, int tokens, long seed) {
    if (classes < 1 || slots < 1 || tokens < 1) {
      throw new IllegalArgumentException(
          "memory needs classes, slots and tokens >= 1, got "
              + classes
              + ", "
              + slots
              + ", "
              + tokens);
    }
    this.classes = classes;
    this.slots = slots;
    this.tokens = tokens;
    this.queue = new float[classes * slots * tokens];
    this.pointers = new int[classes];
    Random random = new Random(seed);
    for (int i = 0; i < queue.length; i++) {
      queue[i] = (float) random.nextGaussian();
    }
  }

  public int tokens() {
    return tokens;
  }

  /** A copy of the queue, [classes][slots][tokens] flattened. */
  public float[] queue() {
    return queue.clone();
  }

  /** A copy of the write pointers, one per class. */
  public int[] pointers() {
    return pointers.clone();
  }

  /** Replaces the state (from a checkpoint or the golden vectors). */
  public void restore(float[] queue, int[] pointers) {
    if (queue.length != this.queue.length || pointers.length != classes) {
      throw new IllegalArgumentException(
          "memory state of "
              + queue.length
              + " values / "
              + pointers.length
              + " pointers does not fit a memory of "
              + classes
              + "x"
              + slots
              + "x"
              + tokens);
    }
    for (int p : pointers) {
      if (p < 0 || p >= slots) {
        throw new IllegalArgumentException("memory pointer " + p + " outside 0.." + (slots - 1));
      }
    }
    System.arraycopy(queue, 0, this.queue, 0, queue.length);
    System.arraycopy(pointers, 0, this.pointers, 0, classes);
  }

  /**
   * Writes one unlabeled image's channels: for each class present in ascending order, the channels
   * assigned to it in ascending order go into its ring buffer at its pointer, wrapping.
   *
   * @param embedding the image's normalised tokens, [tokens][channels] row-major
   * @param channelClass the class of each channel (a value outside 0..classes-1 is skipped)
   */
  void enqueue(float[] embedding, int channels, int[] channelClass) {
    if (embedding.length != tokens * channels || channelClass.length != channels) {
      throw new IllegalArgumentException(
          "embedding of " + embedding.length + " values does not hold " + tokens + "x" + channels);
    }
    for (int cls = 0; cls < classes; cls++) {
      for (int c = 0; c < channels; c++) {
        if (channelClass[c] != cls) {
          continue;
        }
        int base = (cls * slots + pointers[cls]) * tokens;
        for (int n = 0; n < tokens; n++) {
          queue[base + n] = embedding[n * channels + c];
        }
        pointers[cls] = (pointers[cls] + 1) % slots;
      }
    }
  }

  /** The memory as keys/values source: [classes, tokens, slots] (each queue read as [N, C]). */
  NDArray asTokens(NDManager manager) {
    return HostArrays.floats(manager, queue, new Shape(classes, slots, tokens)).transpose(0, 2, 1);
  }

  @Override
  public String toString() {
    return "SemanticMemory["
        + classes
        + " classes x "
        + slots
        + " slots x "
        + tokens
        + " tokens, pointers "
        + Arrays.toString(pointers)
        + "]";
  }
}
