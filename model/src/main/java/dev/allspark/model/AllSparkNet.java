package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.Map;

/**
 * The whole segmentation network: Mix Transformer encoder ({@code backbone.*}), the AllSpark
 * bottleneck on its last stage ({@code decoder.allspark.*}) and the SegFormer head ({@code
 * decoder.decoder.*}), with logits up-sampled to the input size (bilinear, align_corners=false), as
 * in the reference's {@code SemiDecoder}.
 *
 * <p>Three ways to run it:
 *
 * <ul>
 *   <li>{@link #trainForward}: AllSpark training on labeled + unlabeled images;
 *   <li>{@link #supervisedForward}: training on labeled images alone: the supervised baseline when
 *       the network has no AllSpark block ({@link ModelConfig#bottleneck()} false), else with the
 *       block run per image as at inference (a semi-supervised run's warm start);
 *   <li>{@link #predict}: evaluation mode; each image's result is independent of the batch.
 * </ul>
 */
public final class AllSparkNet extends Layer {
  private final ModelConfig config;
  private final MixTransformer backbone;
  private final AllSparkBottleneck allspark;
  private final SegFormerHead head;
  private final SemanticMemory memory;

  public AllSparkNet(ModelConfig config, long seed) {
    this.config = config;
    backbone = addChildBlock("backbone", new MixTransformer(config));
    Decoder decoder = addChildBlock("decoder", new Decoder(config, seed));
    allspark = decoder.allspark;
    head = decoder.head;
    // Without the block the memory is never read or written; it is kept so that every
    // checkpoint has the same layout.
    memory =
        allspark != null
            ? allspark.memory()
            : new SemanticMemory(
                config.numClasses(), config.dims()[3], config.memoryTokens(), seed);
  }

  /** Creates the network and its parameters on {@code manager}'s device. */
  public static AllSparkNet create(ModelConfig config, NDManager manager, long seed) {
    AllSparkNet net = new AllSparkNet(config, seed);
    net.initialize(
        manager, DataType.FLOAT32, new Shape(1, 3, config.trainingCrop(), config.trainingCrop()));
    return net;
  }

  public ModelConfig config() {
    return config;
  }

  public SemanticMemory memory() {
    return memory;
  }

  /** Every parameter and state array by reference-style name. */
  public Map<String, Parameter> namedParameters() {
    return ParameterNames.of(this);
  }

  /**
   * Loads pretrained encoder weights. Names are the Mix Transformer's own, as in the official
   * SegFormer / AllSpark MiT checkpoints ({@code patch_embed1.proj.weight}, {@code
   * block1.0.attn.q.weight}, {@code block1.0.mlp.dwconv.dwconv.weight}, {@code norm1.weight}, ...),
   * optionally prefixed with {@code backbone.}; classifier-only tensors of ImageNet checkpoints
   * ({@code head.*}) are ignored.
   *
   * @return how many encoder tensors were loaded
   * @throws IllegalArgumentException naming the tensors that are missing, unknown or mis-shaped
   */
  public int loadPretrainedEncoder(Map<String, Checkpoint.Tensor> tensors) {
    Map<String, Parameter> params = namedParameters();
    java.util.List<String> unknown = new java.util.ArrayList<>();
    java.util.Set<String> loaded = new java.util.HashSet<>();
    for (Map.Entry<String, Checkpoint.Tensor> e : tensors.entrySet()) {
      String name = e.getKey().startsWith("backbone.") ? e.getKey() : "backbone." + e.getKey();
      if (e.getKey().startsWith("head.")) {
        continue;
      }
      Parameter p = params.get(name);
      if (p == null) {
        unknown.add(e.getKey());
        continue;
      }
      Shape expected = p.getArray().getShape();
      if (!expected.equals(new Shape(e.getValue().shape()))) {
        throw new IllegalArgumentException(
            "pretrained tensor "
                + e.getKey()
                + " has shape "
                + new Shape(e.getValue().shape())
                + ", the encoder needs "
                + expected
                + " (is the model size right?)");
      }
      p.getArray().set(e.getValue().data());
      loaded.add(name);
    }
    java.util.List<String> missing =
        params.keySet().stream()
            .filter(n -> n.startsWith("backbone.") && !loaded.contains(n))
            .toList();
    if (!unknown.isEmpty() || !missing.isEmpty()) {
      throw new IllegalArgumentException(
          "pretrained weights do not fit the encoder: unknown " + unknown + ", missing " + missing);
    }
    return loaded.size();
  }

  /**
   * AllSpark training forward.
   *
   * @param images [2B, 3, H, W]: B labeled then B unlabeled
   * @param unlabeledScores [B, K, H, W] logits of the pseudo-labeling pass on the unlabeled images
   * @param useMemory read the Semantic Memory (after warm-up)
   * @return logits [2B, K, H, W]
   */
  public NDArray trainForward(NDArray images, NDArray unlabeledScores, boolean useMemory) {
    if (allspark == null) {
      throw new IllegalStateException(
          "this network has no AllSpark block (the supervised baseline): it trains with"
              + " supervisedForward only");
    }
    NDList features = backbone.features(images, true);
    NDArray reborn = allspark.forwardTrain(features.get(3), unlabeledScores, useMemory);
    return upsampledLogits(replaceLast(features, reborn), images, true);
  }

  /**
   * Training forward on labeled images alone: [B, 3, H, W] -> logits [B, K, H, W]. Without the
   * AllSpark block (the supervised baseline) the last stage goes straight to the head; with it,
   * each image attends to its own channels, as at inference.
   */
  public NDArray supervisedForward(NDArray images) {
    NDList features = backbone.features(images, true);
    return upsampledLogits(perImage(features), images, true);
  }

  /** Evaluation forward: [B, 3, H, W] -> logits [B, K, H, W]. */
  public NDArray predict(NDArray images) {
    NDList features = backbone.features(images, false);
    return upsampledLogits(perImage(features), images, false);
  }

  /**
   * Evaluation forward without the final up-sampling: [B, 3, H, W] -> logits [B, K, H/4, W/4], the
   * head's own resolution. {@link Segmenter#decode} up-samples them straight to each frame's size
   * (one interpolation, not two, when the frame is not the network's input size).
   */
  public NDArray predictCoarse(NDArray images) {
    NDList features = backbone.features(images, false);
    return head.apply(perImage(features), false);
  }

  /** Whether the AllSpark block is part of the network ({@link ModelConfig#bottleneck()}). */
  public boolean hasBottleneck() {
    return allspark != null;
  }

  private NDList perImage(NDList features) {
    return allspark == null
        ? features
        : replaceLast(features, allspark.forwardInference(features.get(3)));
  }

  private NDArray upsampledLogits(NDList features, NDArray images, boolean training) {
    NDArray logits = head.apply(features, training);
    return Bilinear.resize(logits, images.getShape().get(2), images.getShape().get(3), false);
  }

  private static NDList replaceLast(NDList features, NDArray last) {
    return new NDList(features.get(0), features.get(1), features.get(2), last);
  }

  /** The reference's {@code SemiDecoder}: AllSpark then the head. */
  static final class Decoder extends Layer {
    final AllSparkBottleneck allspark;
    final SegFormerHead head;

    Decoder(ModelConfig config, long seed) {
      int last = config.dims()[3];
      allspark =
          config.bottleneck()
              ? addChildBlock(
                  "allspark",
                  new AllSparkBottleneck(
                      last,
                      config.allsparkHeads(),
                      config.numClasses(),
                      config.memoryTokens(),
                      config.allsparkDropout(),
                      seed))
              : null;
      head =
          addChildBlock(
              "decoder",
              new SegFormerHead(
                  config.dims(), config.decoderDim(), config.numClasses(), config.headDropout()));
    }
  }
}
