package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;

/**
 * The AllSpark block on the last encoder stage: labeled features are "reborn" from unlabeled ones
 * by channel-wise cross-attention, with keys and values from the class-wise {@link SemanticMemory}
 * after warm-up. Semantics are pinned by the golden vectors of the authors' reference code ({@code
 * ../shared/golden/README.md}); parameter names are the reference's.
 *
 * <p>Training input: labeled images first, unlabeled second, equal counts. Inference input: any
 * number of images, each attending to its own channels only, so that a frame's result never depends
 * on the other frames of its micro-batch.
 */
public final class AllSparkBottleneck extends Layer {
  private static final float NORM_EPS = 1e-6f;

  private final int channels;
  private final Conv mapIn;
  private final Norm attnNorm;
  private final ChannelCrossAttention attn;
  private final Norm encoderNorm;
  private final Conv mapOut;
  private final SemanticMemory memory;

  /**
   * @param channels C, the last stage's width (in = embedding = out, as in the reference)
   * @param heads H
   * @param classes K, the number of memory queues
   * @param memoryTokens N, the token count of the training grid (each slot's length)
   * @param dropout attention dropout in training (0.1 in the reference)
   */
  public AllSparkBottleneck(
      int channels, int heads, int classes, int memoryTokens, float dropout, long seed) {
    this.channels = channels;
    mapIn =
        addChildBlock(
                "map_in", new Sequential0(new Conv(channels, channels, 1, 1, 0, 1, true, true)))
            .conv();
    attnNorm = addChildBlock("attn_norm", new Norm(channels, NORM_EPS));
    attn = addChildBlock("attn", new ChannelCrossAttention(channels, heads, dropout));
    encoderNorm = addChildBlock("encoder_norm", new Norm(channels, NORM_EPS));
    mapOut =
        addChildBlock(
                "map_out", new Sequential0(new Conv(channels, channels, 1, 1, 0, 1, true, true)))
            .conv();
    memory = new SemanticMemory(classes, channels, memoryTokens, seed);
  }

  public SemanticMemory memory() {
    return memory;
  }

  /**
   * Training forward.
   *
   * @param features [2B, C, h, w]: B labeled then B unlabeled
   * @param unlabeledScores [B, K, H', W'] class scores of the unlabeled images (pseudo-label pass)
   * @param useMemory read the Semantic Memory (after warm-up) rather than the batch
   */
  public NDArray forwardTrain(NDArray features, NDArray unlabeledScores, boolean useMemory) {
    long batch = features.getShape().get(0);
    if (batch % 2 != 0) {
      throw new IllegalArgumentException(
          "a training batch holds labeled then unlabeled images in equal counts, got " + batch);
    }
    int h = (int) features.getShape().get(2);
    int w = (int) features.getShape().get(3);
    // 1. tokens x = GELU(conv1x1(input)) as [2B, N, C]; e = LayerNorm(x)
    NDArray x = tokens(features);
    NDArray e = attnNorm.apply(x);
    NDList halves = e.split(2, 0);
    NDArray eL = halves.get(0);
    NDArray eU = halves.get(1);
    // 2. Channel Semantic Grouping and memory update, without gradient, before any read
    if (h * w != memory.tokens()) {
      throw new IllegalArgumentException(
          "the token grid "
              + h
              + "x"
              + w
              + " does not match the Semantic Memory's "
              + memory.tokens()
              + " tokens: train at the crop the model was configured for");
    }
    int[][] channelClass = ChannelSemanticGrouping.assign(unlabeledScores, eU, h, w);
    float[] eUHost = eU.stopGradient().toFloatArray();
    int perImage = h * w * channels;
    for (int b = 0; b < channelClass.length; b++) {
      float[] image = new float[perImage];
      System.arraycopy(eUHost, b * perImage, image, 0, perImage);
      memory.enqueue(image, channels, channelClass[b]);
    }
    // 3. unlabeled branch: channel self-attention
    NDArray outU = attn.selfAttention(eU, true);
    // 4. labeled branch: cross-attention to the memory (after warm-up) or the unlabeled batch
    NDArray source = useMemory ? memory.asTokens(features.getManager()) : eU;
    NDArray outL = attn.crossAttention(eL, source, true);
    // 5. residual, norm, back to a feature map
    return finish(NDArrays.concat(new NDList(outL, outU), 0).add(x), h, w);
  }

  /** Inference forward: [B, C, h, w] -> [B, C, h, w], each image on its own. */
  public NDArray forwardInference(NDArray features) {
    int h = (int) features.getShape().get(2);
    int w = (int) features.getShape().get(3);
    // 1. tokens and their norm
    NDArray x = tokens(features);
    NDArray e = attnNorm.apply(x);
    // 2. labeled branch with the image's own keys and values
    NDArray out = attn.ownAttention(e, false);
    // 3. residual, norm, back to a feature map
    return finish(out.add(x), h, w);
  }

  private NDArray tokens(NDArray features) {
    long b = features.getShape().get(0);
    NDArray mapped = Activation.gelu(mapIn.apply(features));
    return mapped.reshape(b, channels, -1).transpose(0, 2, 1);
  }

  private NDArray finish(NDArray y, int h, int w) {
    long b = y.getShape().get(0);
    NDArray normed = encoderNorm.apply(y).transpose(0, 2, 1).reshape(b, channels, h, w);
    return Activation.gelu(mapOut.apply(normed));
  }

  /**
   * Holds a conv as child "0", so that names read {@code map_in.0.weight} as in the reference's
   * {@code nn.Sequential(conv, GELU)}.
   */
  static final class Sequential0 extends Layer {
    private final Conv conv;

    Sequential0(Conv conv) {
      this.conv = addChildBlock("0", conv);
    }

    Conv conv() {
      return conv;
    }
  }
}
