package dev.allspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;

/** Images to the network's input: RGB in [0, 1], normalised with ImageNet mean and deviation. */
public final class ImageTensors {
  static final float[] MEAN = {0.485f, 0.456f, 0.406f};
  static final float[] STD = {0.229f, 0.224f, 0.225f};

  private ImageTensors() {}

  /** An image as normalised CHW floats. */
  public static float[] normalizedChw(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
    return normalizedChw(argb, w, h);
  }

  /** Packed ARGB pixels (row-major) as normalised CHW floats. */
  public static float[] normalizedChw(int[] argb, int w, int h) {
    int plane = w * h;
    float[] out = new float[3 * plane];
    for (int i = 0; i < plane; i++) {
      int p = argb[i];
      out[i] = (((p >> 16) & 0xff) / 255f - MEAN[0]) / STD[0];
      out[plane + i] = (((p >> 8) & 0xff) / 255f - MEAN[1]) / STD[1];
      out[2 * plane + i] = ((p & 0xff) / 255f - MEAN[2]) / STD[2];
    }
    return out;
  }

  /** A batch of equally sized images as [B, 3, H, W]. */
  public static NDArray batch(NDManager manager, float[][] chw, int h, int w) {
    int plane = 3 * h * w;
    float[] all = new float[chw.length * plane];
    for (int i = 0; i < chw.length; i++) {
      if (chw[i].length != plane) {
        throw new IllegalArgumentException(
            "image " + i + " holds " + chw[i].length + " values, expected 3x" + h + "x" + w);
      }
      System.arraycopy(chw[i], 0, all, i * plane, plane);
    }
    return HostArrays.floats(manager, all, new Shape(chw.length, 3, h, w));
  }
}
