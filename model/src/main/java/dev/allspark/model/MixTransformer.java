package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.List;

/**
 * SegFormer's Mix Transformer encoder: four stages of overlapping patch embedding, transformer
 * blocks with spatially-reduced self-attention and Mix-FFN (depth-wise 3x3 conv), and a LayerNorm.
 * Returns the four feature maps at strides 4, 8, 16, 32. Parameter names are the reference's
 * ({@code patch_embed1.proj.weight}, {@code block1.0.attn.q.weight}, {@code norm1.weight}...).
 */
public final class MixTransformer extends Layer {
  private final List<PatchEmbed> embeds = new ArrayList<>();
  private final List<List<Block>> blocks = new ArrayList<>();
  private final List<Norm> norms = new ArrayList<>();

  public MixTransformer(ModelConfig config) {
    int total = 0;
    for (int d : config.depths()) {
      total += d;
    }
    int index = 0;
    int in = 3;
    for (int s = 0; s < 4; s++) {
      int dim = config.dims()[s];
      embeds.add(
          addChildBlock(
              "patch_embed" + (s + 1),
              s == 0 ? new PatchEmbed(in, dim, 7, 4) : new PatchEmbed(in, dim, 3, 2)));
      Stage stage = addChildBlock("block" + (s + 1), new Stage());
      List<Block> stageBlocks = new ArrayList<>();
      for (int b = 0; b < config.depths()[s]; b++) {
        float dropPath = total > 1 ? config.dropPath() * index / (total - 1) : 0f;
        stageBlocks.add(
            stage.add(
                b,
                new Block(
                    dim, config.heads()[s], config.reductions()[s], config.mlpRatio(), dropPath)));
        index++;
      }
      blocks.add(stageBlocks);
      norms.add(addChildBlock("norm" + (s + 1), new Norm(dim, 1e-6f)));
      in = dim;
    }
  }

  /** [B, 3, H, W] -> four maps [B, dim_s, H/stride, W/stride]. */
  public NDList features(NDArray images, boolean training) {
    NDList out = new NDList(4);
    NDArray x = images;
    for (int s = 0; s < 4; s++) {
      // 1. overlapping patch embedding: conv (stride 4 then 2), tokens, LayerNorm
      NDArray map = embeds.get(s).conv(x);
      long b = map.getShape().get(0);
      long c = map.getShape().get(1);
      int h = (int) map.getShape().get(2);
      int w = (int) map.getShape().get(3);
      NDArray tokens = embeds.get(s).norm(map.reshape(b, c, -1).transpose(0, 2, 1));
      // 2. transformer blocks on the token sequence
      for (Block block : blocks.get(s)) {
        tokens = block.apply(tokens, h, w, training);
      }
      // 3. stage norm, back to a feature map for the next stage and the head: the tokens viewed
      // as [B, C, H, W] in channels-last order, no copy (the convolutions take that layout)
      x = norms.get(s).apply(tokens).reshape(b, h, w, c).transpose(0, 3, 1, 2);
      out.add(x);
    }
    return out;
  }

  /** A ModuleList: children named "0", "1", ... */
  static final class Stage extends Layer {
    Block add(int index, Block block) {
      return addChildBlock(Integer.toString(index), block);
    }
  }

  /** Conv patch embedding with "same" padding, then LayerNorm (eps 1e-5). */
  static final class PatchEmbed extends Layer {
    private final Conv proj;
    private final Norm norm;

    PatchEmbed(int in, int dim, int kernel, int stride) {
      proj = addChildBlock("proj", new Conv(in, dim, kernel, stride, kernel / 2, 1, true));
      norm = addChildBlock("norm", new Norm(dim, 1e-5f));
    }

    NDArray conv(NDArray x) {
      return proj.apply(x);
    }

    NDArray norm(NDArray tokens) {
      return norm.apply(tokens);
    }
  }

  /** Pre-norm transformer block with stochastic depth. */
  static final class Block extends Layer {
    private final Norm norm1;
    private final Attention attn;
    private final Norm norm2;
    private final MixFfn mlp;
    private final float dropPath;

    Block(int dim, int heads, int reduction, int mlpRatio, float dropPath) {
      norm1 = addChildBlock("norm1", new Norm(dim, 1e-6f));
      attn = addChildBlock("attn", new Attention(dim, heads, reduction));
      norm2 = addChildBlock("norm2", new Norm(dim, 1e-6f));
      mlp = addChildBlock("mlp", new MixFfn(dim, dim * mlpRatio));
      this.dropPath = dropPath;
    }

    NDArray apply(NDArray x, int h, int w, boolean training) {
      // 1. x + DropPath(Attention(LN(x)))
      x = x.add(Dropout.samples(attn.apply(norm1.apply(x), h, w), dropPath, training));
      // 2. x + DropPath(MixFFN(LN(x)))
      return x.add(Dropout.samples(mlp.apply(norm2.apply(x), h, w), dropPath, training));
    }
  }

  /** Efficient self-attention: keys and values from a grid reduced by a strided conv. */
  static final class Attention extends Layer {
    private final int heads;
    private final int reduction;
    private final float scale;
    private final Dense q;
    private final Dense kv;
    private final Dense proj;
    private final Conv sr;
    private final Norm norm;

    Attention(int dim, int heads, int reduction) {
      this.heads = heads;
      this.reduction = reduction;
      this.scale = (float) Math.pow(dim / (double) heads, -0.5);
      q = addChildBlock("q", Dense.segformer(dim, dim, true));
      kv = addChildBlock("kv", Dense.segformer(dim, dim * 2, true));
      proj = addChildBlock("proj", Dense.segformer(dim, dim, true));
      if (reduction > 1) {
        sr = addChildBlock("sr", new Conv(dim, dim, reduction, reduction, 0, 1, true));
        norm = addChildBlock("norm", new Norm(dim, 1e-5f));
      } else {
        sr = null;
        norm = null;
      }
    }

    NDArray apply(NDArray x, int h, int w) {
      long b = x.getShape().get(0);
      long n = x.getShape().get(1);
      long c = x.getShape().get(2);
      long d = c / heads;
      // 1. queries per head [B, heads, N, d]
      NDArray query = q.apply(x).reshape(b, n, heads, d).transpose(0, 2, 1, 3);
      // 2. keys/values from the spatially reduced grid: [B, heads, M, d] each
      NDArray source = x;
      if (sr != null) {
        NDArray grid = x.reshape(b, h, w, c).transpose(0, 3, 1, 2); // channels-last view
        // The strided conv ignores the rows and columns past the last full window; they are cut
        // first (same result). An earlier session blamed libtorch's convolution backward for
        // uninitialised gradients there; the likelier cause was the Number-operand hazard (see
        // Scalar), not re-tested without the cut.
        int coveredH = h / reduction * reduction;
        int coveredW = w / reduction * reduction;
        if (coveredH != h || coveredW != w) {
          grid = grid.get(":, :, :" + coveredH + ", :" + coveredW);
        }
        source = norm.apply(sr.apply(grid).reshape(b, c, -1).transpose(0, 2, 1));
      }
      // (split, not get(0)/get(1): DJL's integer indexing gave corrupt gradients now and then)
      NDList keyValue = kv.apply(source).reshape(b, -1, 2, heads, d).split(2, 2);
      NDArray key = keyValue.get(0).reshape(b, -1, heads, d).transpose(0, 2, 1, 3);
      NDArray value = keyValue.get(1).reshape(b, -1, heads, d).transpose(0, 2, 1, 3);
      // 3. scaled dot-product attention, heads merged back to [B, N, C]
      NDArray attention = Scalar.mul(query.matMul(key.transpose(0, 1, 3, 2)), scale).softmax(-1);
      NDArray merged = attention.matMul(value).transpose(0, 2, 1, 3).reshape(b, n, c);
      return proj.apply(merged);
    }
  }

  /** Mix-FFN: Linear, depth-wise 3x3 conv on the grid, GELU, Linear. */
  static final class MixFfn extends Layer {
    private final Dense fc1;
    private final DwConv dwconv;
    private final Dense fc2;

    MixFfn(int dim, int hidden) {
      fc1 = addChildBlock("fc1", Dense.segformer(dim, hidden, true));
      dwconv = addChildBlock("dwconv", new DwConv(hidden));
      fc2 = addChildBlock("fc2", Dense.segformer(hidden, dim, true));
    }

    NDArray apply(NDArray x, int h, int w) {
      // 1. expand
      NDArray hidden = fc1.apply(x);
      long b = hidden.getShape().get(0);
      long c = hidden.getShape().get(2);
      // 2. depth-wise conv gives the positional information
      // (the tokens viewed channels-last: no copy in, and the conv's channels-last output is
      // [B, N, C] again without one either; a [B, C, H, W] copy each way cost 3.4 ms a frame)
      NDArray grid = hidden.reshape(b, h, w, c).transpose(0, 3, 1, 2);
      NDArray mixed = dwconv.apply(grid).reshape(b, c, -1).transpose(0, 2, 1);
      // 3. GELU, project back
      return fc2.apply(Activation.gelu(mixed));
    }
  }

  /** The reference's {@code DWConv} wrapper, so names read {@code dwconv.dwconv.weight}. */
  static final class DwConv extends Layer {
    private final Conv dwconv;

    DwConv(int channels) {
      dwconv = addChildBlock("dwconv", new Conv(channels, channels, 3, 1, 1, channels, true));
    }

    NDArray apply(NDArray x) {
      return dwconv.apply(x);
    }
  }
}
