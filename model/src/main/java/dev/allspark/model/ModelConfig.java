package dev.allspark.model;

import java.util.Arrays;
import java.util.List;

/**
 * The network's shape: a Mix Transformer encoder, the AllSpark bottleneck on its last stage and a
 * SegFormer head. Stored in every checkpoint.
 *
 * @param numClasses K, classes predicted (void is not a class)
 * @param dims encoder widths per stage
 * @param depths transformer blocks per stage
 * @param heads attention heads per stage
 * @param reductions spatial-reduction ratios of the efficient self-attention per stage
 * @param mlpRatio Mix-FFN hidden width / stage width
 * @param dropPath stochastic depth rate of the last block (linearly from 0)
 * @param decoderDim SegFormer head embedding width
 * @param allsparkHeads heads of the AllSpark channel attention (2 in the reference configs)
 * @param allsparkDropout attention dropout of the AllSpark block
 * @param headDropout Dropout2d rate of the SegFormer head before its classifier (0.1 in the
 *     reference)
 * @param trainingCrop the square training crop; fixes the Semantic Memory's token count
 * @param bottleneck whether the AllSpark block sits between the encoder and the head; without it
 *     the network is the reference's supervised baseline ({@code train_baseline_sup.py}: Mix
 *     Transformer + plain SegFormer head)
 */
public record ModelConfig(
    int numClasses,
    int[] dims,
    int[] depths,
    int[] heads,
    int[] reductions,
    int mlpRatio,
    float dropPath,
    int decoderDim,
    int allsparkHeads,
    float allsparkDropout,
    float headDropout,
    int trainingCrop,
    boolean bottleneck) {

  /** The default: SegFormer-B0-like encoder, 256-wide head, 11 CamVid classes, crop 129. */
  public static ModelConfig b0(int numClasses) {
    return new ModelConfig(
        numClasses,
        new int[] {32, 64, 160, 256},
        new int[] {2, 2, 2, 2},
        new int[] {1, 2, 5, 8},
        new int[] {8, 4, 2, 1},
        4,
        0.1f,
        256,
        2,
        0.1f,
        0.1f,
        129,
        true);
  }

  /** A small network for tests and soaks: b0's shape, narrower and one block per stage. */
  public static ModelConfig tiny(int numClasses, int trainingCrop) {
    ModelConfig b0 = b0(numClasses);
    return new ModelConfig(
        numClasses,
        new int[] {8, 16, 24, 32},
        new int[] {1, 1, 1, 1},
        new int[] {1, 1, 2, 2},
        b0.reductions(),
        2,
        b0.dropPath(),
        32,
        b0.allsparkHeads(),
        b0.allsparkDropout(),
        b0.headDropout(),
        trainingCrop,
        b0.bottleneck());
  }

  public ModelConfig {
    for (var array : List.of(dims, depths, heads, reductions)) {
      if (array == null || array.length != 4) {
        throw new IllegalArgumentException("dims, depths, heads and reductions need 4 stages each");
      }
    }
    for (int i = 0; i < 4; i++) {
      if (dims[i] % heads[i] != 0) {
        throw new IllegalArgumentException(
            "stage "
                + (i + 1)
                + ": width "
                + dims[i]
                + " is not divisible by "
                + heads[i]
                + " heads");
      }
      if (depths[i] < 1 || reductions[i] < 1) {
        throw new IllegalArgumentException(
            "stage " + (i + 1) + ": depth and reduction must be >= 1");
      }
    }
    if (numClasses < 2) {
      throw new IllegalArgumentException("numClasses must be >= 2, got " + numClasses);
    }
    if (trainingCrop < 33) {
      throw new IllegalArgumentException("trainingCrop must be >= 33, got " + trainingCrop);
    }
    if (dropPath < 0
        || dropPath >= 1
        || allsparkDropout < 0
        || allsparkDropout >= 1
        || headDropout < 0
        || headDropout >= 1) {
      throw new IllegalArgumentException("dropout rates must be in [0, 1)");
    }
  }

  /** The same network for another training crop. */
  public ModelConfig withCrop(int crop) {
    return with(dropPath, allsparkDropout, headDropout, crop, bottleneck);
  }

  /** The same network with or without the AllSpark block (without: the supervised baseline). */
  public ModelConfig withBottleneck(boolean present) {
    return with(dropPath, allsparkDropout, headDropout, trainingCrop, present);
  }

  /** The same network with every dropout and drop-path rate at 0 (deterministic training). */
  public ModelConfig withoutDropout() {
    return with(0f, 0f, 0f, trainingCrop, bottleneck);
  }

  private ModelConfig with(
      float dropPath, float allsparkDropout, float headDropout, int crop, boolean bottleneck) {
    return new ModelConfig(
        numClasses,
        dims,
        depths,
        heads,
        reductions,
        mlpRatio,
        dropPath,
        decoderDim,
        allsparkHeads,
        allsparkDropout,
        headDropout,
        crop,
        bottleneck);
  }

  /**
   * The last stage's grid side for a square input: four stride-2/4 convolutions, "same" padding.
   */
  public static int gridSide(int input) {
    int side = (input + 2 * 3 - 7) / 4 + 1;
    for (int i = 0; i < 3; i++) {
      side = (side + 2 - 3) / 2 + 1;
    }
    return side;
  }

  /** N, the Semantic Memory's slot length: tokens of the last stage at the training crop. */
  public int memoryTokens() {
    int side = gridSide(trainingCrop);
    return side * side;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelConfig c
        && numClasses == c.numClasses
        && Arrays.equals(dims, c.dims)
        && Arrays.equals(depths, c.depths)
        && Arrays.equals(heads, c.heads)
        && Arrays.equals(reductions, c.reductions)
        && mlpRatio == c.mlpRatio
        && dropPath == c.dropPath
        && decoderDim == c.decoderDim
        && allsparkHeads == c.allsparkHeads
        && allsparkDropout == c.allsparkDropout
        && headDropout == c.headDropout
        && trainingCrop == c.trainingCrop
        && bottleneck == c.bottleneck;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims) * 31 + numClasses * 17 + trainingCrop;
  }

  @Override
  public String toString() {
    return "ModelConfig[classes="
        + numClasses
        + ", dims="
        + Arrays.toString(dims)
        + ", depths="
        + Arrays.toString(depths)
        + ", heads="
        + Arrays.toString(heads)
        + ", reductions="
        + Arrays.toString(reductions)
        + ", mlpRatio="
        + mlpRatio
        + ", dropPath="
        + dropPath
        + ", decoderDim="
        + decoderDim
        + ", allsparkHeads="
        + allsparkHeads
        + ", allsparkDropout="
        + allsparkDropout
        + ", headDropout="
        + headDropout
        + ", trainingCrop="
        + trainingCrop
        + ", bottleneck="
        + bottleneck
        + "]";
  }

  /** A model size by the name the command line and the trainer's settings use: b0 or tiny. */
  public static ModelConfig named(String name, int classes, int crop) {
    ModelConfig base =
        switch (name) {
          case "b0" -> b0(classes);
          case "tiny" -> tiny(classes, crop);
          default ->
              throw new IllegalArgumentException("--model " + name + ": expected b0 or tiny");
        };
    return base.withCrop(crop);
  }
}
