package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * SegFormer's all-MLP decoder: each stage projected to a common width, up-sampled to stride 4,
 * concatenated, fused by a 1x1 conv + BatchNorm + ReLU, Dropout2d, and classified by a 1x1 conv.
 * Its layers keep PyTorch's default initialisation, as in the reference (which only re-initialises
 * the encoder), so that the initial logits are small.
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
    NDList projected = new NDList(4);
    // 1. each stage to the common width, up-sampled to stride 4; order c4, c3, c2, c1
    for (int i = 3; i >= 0; i--) {
      NDArray f = features.get(i);
      long b = f.getShape().get(0);
      long fh = f.getShape().get(2);
      long fw = f.getShape().get(3);
      NDArray tokens = linear[i].apply(f.reshape(b, f.getShape().get(1), -1).transpose(0, 2, 1));
      NDArray map = tokens.transpose(0, 2, 1).reshape(b, -1, fh, fw);
      projected.add(Bilinear.resize(map, h, w, false));
    }
    // 2. fuse: 1x1 conv, BatchNorm, ReLU
    NDArray fused = fuse.apply(NDArrays.concat(projected, 1), training);
    // 3. Dropout2d: whole channels dropped in training
    if (training && dropout > 0) {
      long b = fused.getShape().get(0);
      long c = fused.getShape().get(1);
      float keep = 1 - dropout;
      NDArray uniform = fused.getManager().randomUniform(0f, 1f, new Shape(b, c, 1, 1));
      NDArray mask = Scalar.div(Scalar.lt(uniform, keep).toType(DataType.FLOAT32, false), keep);
      fused = fused.mul(mask);
    }
    // 4. per-pixel classifier
    return pred.apply(fused);
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
      return Activation.relu(bn.apply(conv.apply(x), training));
    }
  }
}
