package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;

/**
 * SegFormer's all-MLP decoder: each stage projected to a common width, up-sampled to stride 4,
 * concatenated, fused by a 1x1 conv + BatchNorm + ReLU, Dropout2d, and classified by a 1x1 conv.
 *
 * <p>Computed in another order with the same result: the fusing 1x1 conv over the concatenation is
 * a sum over stages of its weight's slice times that stage's projection, and bilinear up-sampling
 * commutes with a per-pixel linear map. So each stage's projection and its slice of the fusing
 * weight are one matrix, applied at the stage's own resolution, and the four 256-channel maps are
 * up-sampled and added: no 1024-channel concatenation at stride 4 and no 1x1 conv over it (that
 * conv alone was 43 of 236 ms of a 480x360 frame; model/README.md). Its layers keep PyTorch's
 * default initialisation, as in the reference (which only re-initialises the encoder), so that the
 * initial logits are small.
 */
public final class SegFormerHead extends Layer {
  private final Dense[] linear = new Dense[4];
  private final Fuse fuse;
  private final Conv pred;
  private final float dropout;

  public SegFormerHead(int[] inDims, int embedding, int classes, float dropout) {
    for (int i = 3; i >= 0; i--) {
      linear[i] = addChildBlock("linear_c" + (i + 1), new Mlp(inDims[i], embedding)).proj();
    }
    fuse = addChildBlock("linear_fuse", new Fuse(embedding * 4, embedding));
    pred = addChildBlock("linear_pred", new Conv(embedding, classes, 1, 1, 0, 1, true, true));
    this.dropout = dropout;
  }

  /** Four feature maps (the last one after AllSpark) -> logits [B, K, H/4, W/4]. */
  public NDArray apply(NDList features, boolean training) {
    NDArray c1 = features.get(0);
    long h = c1.getShape().get(2);
    long w = c1.getShape().get(3);
    // the fusing conv's weight [out, 4E] in the reference's concatenation order: c4, c3, c2, c1
    // products of parameters alone would land on the parameters' (base) manager and stay there:
    // each is handed to the step's manager, which closes after the backward pass
    ai.djl.ndarray.NDManager step = c1.getManager();
    NDArray fuseWeight = fuse.conv.weightArray();
    NDList slices = owned(fuseWeight.reshape(fuseWeight.getShape().get(0), -1), step).split(4, 1);
    slices.attach(step);
    NDArray sum = null;
    NDArray biasSum = null;
    for (int i = 3; i >= 0; i--) {
      NDArray f = features.get(i);
      long b = f.getShape().get(0);
      long fh = f.getShape().get(2);
      long fw = f.getShape().get(3);
      // 1. the stage's projection and its slice of the fusing conv as one linear map, applied to
      // the channels-first map as it is: [E, C] x [B, C, h*w] -> [B, E, h*w], no transposes
      NDArray slice = slices.get(3 - i);
      NDArray weight = owned(slice.matMul(linear[i].weightArray()), step);
      NDArray map = weight.matMul(f.reshape(b, f.getShape().get(1), -1)).reshape(b, -1, fh, fw);
      // its bias is a constant per channel, which up-sampling leaves as it is (bilinear weights
      // add up to 1): the four are added once, after the sum
      NDArray bias = linear[i].biasArray();
      if (bias != null) {
        NDArray combined = owned(slice.matMul(owned(bias.reshape(-1, 1), step)), step);
        biasSum = biasSum == null ? combined : owned(biasSum.add(combined), step);
      }
      // 2. to stride 4, added up in place: the fusing conv's output
      if (fh != h || fw != w) {
        map = Bilinear.resize(map, h, w, false);
      }
      sum = sum == null ? map : sum.addi(map);
    }
    if (biasSum != null) {
      sum = sum.addi(biasSum.reshape(1, -1, 1, 1));
    }
    // 3. BatchNorm, ReLU
    NDArray fused = fuse.normAndRelu(sum, training);
    // 3. Dropout2d: whole channels dropped in training
    fused = Dropout.channels(fused, dropout, training);
    // 4. per-pixel classifier
    return pred.apply(fused);
  }

  private static NDArray owned(NDArray a, ai.djl.ndarray.NDManager manager) {
    a.attach(manager);
    return a;
  }

  /** The reference's MLP wrapper, so names read {@code linear_c1.proj.weight}. */
  static final class Mlp extends Layer {
    private final Dense proj;

    Mlp(int in, int out) {
      proj = addChildBlock("proj", Dense.torchDefault(in, out, true));
    }

    Dense proj() {
      return proj;
    }
  }

  /** mmcv's ConvModule: conv (no bias) + BatchNorm + ReLU, names {@code conv}, {@code bn}. */
  static final class Fuse extends Layer {
    private final Conv conv;
    private final BatchNorm2d bn;

    Fuse(int in, int out) {
      conv = addChildBlock("conv", new Conv(in, out, 1, 1, 0, 1, false, true));
      bn = addChildBlock("bn", new BatchNorm2d(out));
    }

    NDArray apply(NDArray x, boolean training) {
      return normAndRelu(conv.apply(x), training);
    }

    /** What follows the conv. */
    NDArray normAndRelu(NDArray x, boolean training) {
      return Activation.relu(bn.apply(x, training));
    }
  }
}
