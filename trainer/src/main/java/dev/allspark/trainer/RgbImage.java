package dev.allspark.trainer;

import java.awt.image.BufferedImage;

/** An RGB image as three float planes in [0, 1], row-major: the unit augmentations work on. */
public final class RgbImage {
  final int width;
  final int height;
  final float[] r;
  final float[] g;
  final float[] b;

  RgbImage(int width, int height) {
    this(
        width,
        height,
        new float[width * height],
        new float[width * height],
        new float[width * height]);
  }

  RgbImage(int width, int height, float[] r, float[] g, float[] b) {
    this.width = width;
    this.height = height;
    this.r = r;
    this.g = g;
    this.b = b;
  }

  /** An image from its three planes in [0, 1]. */
  public static RgbImage planes(int width, int height, float[] r, float[] g, float[] b) {
    if (r.length != width * height || g.length != r.length || b.length != r.length) {
      throw new IllegalArgumentException("planes do not hold " + width + "x" + height + " pixels");
    }
    return new RgbImage(width, height, r, g, b);
  }

  public static RgbImage of(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
    RgbImage out = new RgbImage(w, h);
    for (int i = 0; i < argb.length; i++) {
      out.r[i] = ((argb[i] >> 16) & 0xff) / 255f;
      out.g[i] = ((argb[i] >> 8) & 0xff) / 255f;
      out.b[i] = (argb[i] & 0xff) / 255f;
    }
    return out;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /**
   * This image at {@code w x h}, each output pixel the mean of the input pixels its footprint
   * covers (area resampling: no aliasing when shrinking).
   */
  public RgbImage resized(int w, int h) {
    if (w < 1 || h < 1) {
      throw new IllegalArgumentException("cannot resize to " + w + "x" + h);
    }
    RgbImage out = new RgbImage(w, h);
    double sx = width / (double) w;
    double sy = height / (double) h;
    for (int y = 0; y < h; y++) {
      int y0 = (int) (y * sy);
      int y1 = Math.max(y0 + 1, Math.min(height, (int) Math.ceil((y + 1) * sy)));
      for (int x = 0; x < w; x++) {
        int x0 = (int) (x * sx);
        int x1 = Math.max(x0 + 1, Math.min(width, (int) Math.ceil((x + 1) * sx)));
        float r0 = 0;
        float g0 = 0;
        float b0 = 0;
        for (int yy = y0; yy < y1; yy++) {
          for (int xx = x0; xx < x1; xx++) {
            int i = yy * width + xx;
            r0 += r[i];
            g0 += g[i];
            b0 += b[i];
          }
        }
        float n = (y1 - y0) * (x1 - x0);
        int o = y * w + x;
        out.r[o] = r0 / n;
        out.g[o] = g0 / n;
        out.b[o] = b0 / n;
      }
    }
    return out;
  }

  RgbImage copy() {
    return new RgbImage(width, height, r.clone(), g.clone(), b.clone());
  }

  /** Normalised CHW floats (ImageNet mean and deviation), the network's input. */
  public float[] normalizedChw() {
    int plane = width * height;
    float[] out = new float[3 * plane];
    float[][] planes = {r, g, b};
    float[] mean = {0.485f, 0.456f, 0.406f};
    float[] std = {0.229f, 0.224f, 0.225f};
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < plane; i++) {
        out[c * plane + i] = (planes[c][i] - mean[c]) / std[c];
      }
    }
    return out;
  }
}
