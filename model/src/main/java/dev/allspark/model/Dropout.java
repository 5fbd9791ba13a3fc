package dev.allspark.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * The network's three inverted dropouts, each kept value scaled by 1 / (1 - p): of single values
 * ({@code nn.Dropout}: the cross-attention map), of whole channels ({@code Dropout2d}: the decode
 * head) and of a whole sample's residual branch ({@code DropPath}: the encoder's blocks). Each is
 * the identity outside training and at rate 0; a rate is below 1.
 */
final class Dropout {
  private Dropout() {}

  /**
   * Each value kept with probability 1 - p. libtorch's {@code bernoulli_} (what {@code nn.Dropout}
   * draws with) took 55 ms per training iteration on this CPU for the cross-attention map alone
   * (5.8 M values, one thread) and {@code uniform_} 28 ms; on the CPU the mask is drawn here
   * instead, 16 bits a value from a SplittableRandom seeded by one draw of libtorch's generator (so
   * {@code Engine.setRandomSeed} still makes a run repeatable), a few milliseconds
   * (model/README.md).
   */
  static NDArray values(NDArray x, float p, boolean training) {
    if (!training || p <= 0) {
      return x;
    }
    float keep = 1 - p;
    NDManager m = x.getManager();
    if (!Device.Type.CPU.equals(x.getDevice().getDeviceType())) {
      // on a GPU the draw is fast where the tensor is; a host mask would cross the bus each time
      return x.mul(mask(m, x.getShape(), keep));
    }
    long seed = m.randomInteger(0, Long.MAX_VALUE, new Shape(1), DataType.INT64).getLong();
    SplittableRandom rng = new SplittableRandom(seed);
    int threshold = Math.round(keep * 65536); // a 16-bit draw below it keeps its value
    byte[] bits = new byte[Math.toIntExact(x.size())];
    int i = 0;
    for (; i + 4 <= bits.length; i += 4) {
      long r = rng.nextLong();
      bits[i] = (byte) ((r & 0xFFFF) < threshold ? 1 : 0);
      bits[i + 1] = (byte) (((r >>> 16) & 0xFFFF) < threshold ? 1 : 0);
      bits[i + 2] = (byte) (((r >>> 32) & 0xFFFF) < threshold ? 1 : 0);
      bits[i + 3] = (byte) ((r >>> 48) < threshold ? 1 : 0);
    }
    for (; i < bits.length; i++) {
      bits[i] = (byte) (rng.nextInt(65536) < threshold ? 1 : 0);
    }
    // the float mask is libtorch's own copy (toType), kept by autograd for the backward pass
    NDArray mask =
        m.create(ByteBuffer.wrap(bits), x.getShape(), DataType.UINT8)
            .toType(DataType.FLOAT32, false);
    return Scalar.div(x.mul(mask), keep);
  }

  /** Each channel of {@code x} (B, C, H, W) kept whole with probability 1 - p. */
  static NDArray channels(NDArray x, float p, boolean training) {
    if (!training || p <= 0) {
      return x;
    }
    Shape s = x.getShape();
    return x.mul(mask(x.getManager(), new Shape(s.get(0), s.get(1), 1, 1), 1 - p));
  }

  /** Each sample's branch {@code x} (B, N, C) kept whole with probability 1 - p. */
  static NDArray samples(NDArray x, float p, boolean training) {
    if (!training || p <= 0) {
      return x;
    }
    return x.mul(mask(x.getManager(), new Shape(x.getShape().get(0), 1, 1), 1 - p));
  }

  /** 1 / keep with probability {@code keep}, else 0, from libtorch's uniform draw. */
  private static NDArray mask(NDManager m, Shape shape, float keep) {
    NDArray uniform = m.randomUniform(0f, 1f, shape);
    return Scalar.div(Scalar.lt(uniform, keep).toType(DataType.FLOAT32, false), keep);
  }
}
