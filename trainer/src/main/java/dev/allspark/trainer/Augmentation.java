package dev.allspark.trainer;

import java.util.Random;

/**
 * The reference's training augmentations. Geometric (both branches): random rescale of the long
 * side to 0.5-2.0x, pad (image black, labels void) and random square crop, horizontal flip.
 * Photometric (labeled images only): colour jitter (p 0.8; brightness, contrast, saturation 0.5,
 * hue 0.25, in random order), grayscale (p 0.2), Gaussian blur (p 0.5, sigma 0.1-2.0).
 */
public final class Augmentation {
  private final int crop;
  private final int voidLabel;

  public Augmentation(int crop, int voidLabel) {
    this.crop = crop;
    this.voidLabel = voidLabel;
  }

  /**
   * Geometric augmentation; labels may be null. Only the crop's pixels are computed: each is
   * sampled from the original image at its place in the rescaled, padded, flipped image.
   */
  public Sample scaleCropFlip(Sample sample, Random rng) {
    RgbImage image = sample.image();
    int longSide = Math.max(image.width, image.height);
    int lo = (int) (longSide * 0.5);
    int target = lo + rng.nextInt((int) (longSide * 2.0) - lo + 1);
    int w;
    int h;
    if (image.height > image.width) {
      h = target;
      w = (int) (image.width * (double) target / image.height + 0.5);
    } else {
      w = target;
      h = (int) (image.height * (double) target / image.width + 0.5);
    }
    // pad to at least the crop (image black, labels void), then a random crop and flip
    int x0 = rng.nextInt(Math.max(w, crop) - crop + 1);
    int y0 = rng.nextInt(Math.max(h, crop) - crop + 1);
    boolean flip = rng.nextDouble() < 0.5;
    double sx = image.width / (double) w;
    double sy = image.height / (double) h;
    int[] labels = sample.labels();
    RgbImage out = new RgbImage(crop, crop);
    int[] outLabels = labels == null ? null : new int[crop * crop];
    for (int y = 0; y < crop; y++) {
      int ry = y0 + y;
      for (int x = 0; x < crop; x++) {
        int rx = x0 + (flip ? crop - 1 - x : x);
        int o = y * crop + x;
        if (rx >= w || ry >= h) {
          if (outLabels != null) {
            outLabels[o] = voidLabel;
          }
          continue;
        }
        // bilinear sample of the image (align_corners=false), nearest label
        double fy = Math.max((ry + 0.5) * sy - 0.5, 0);
        double fx = Math.max((rx + 0.5) * sx - 0.5, 0);
        int iy0 = Math.min((int) fy, image.height - 1);
        int ix0 = Math.min((int) fx, image.width - 1);
        int iy1 = Math.min(iy0 + 1, image.height - 1);
        int ix1 = Math.min(ix0 + 1, image.width - 1);
        float dy = (float) (fy - iy0);
        float dx = (float) (fx - ix0);
        int a = iy0 * image.width + ix0;
        int b = iy0 * image.width + ix1;
        int c = iy1 * image.width + ix0;
        int d = iy1 * image.width + ix1;
        float wa = (1 - dx) * (1 - dy);
        float wb = dx * (1 - dy);
        float wc = (1 - dx) * dy;
        float wd = dx * dy;
        out.r[o] = wa * image.r[a] + wb * image.r[b] + wc * image.r[c] + wd * image.r[d];
        out.g[o] = wa * image.g[a] + wb * image.g[b] + wc * image.g[c] + wd * image.g[d];
        out.b[o] = wa * image.b[a] + wb * image.b[b] + wc * image.b[c] + wd * image.b[d];
        if (outLabels != null) {
          int ly = Math.min(image.height - 1, (int) (ry * sy));
          int lx = Math.min(image.width - 1, (int) (rx * sx));
          outLabels[o] = labels[ly * image.width + lx];
        }
      }
    }
    return new Sample(sample.id(), out, outLabels);
  }

  /** Photometric augmentation of a labeled image (a new image; the input is unchanged). */
  public RgbImage photometric(RgbImage image, Random rng) {
    RgbImage out = image.copy();
    if (rng.nextDouble() < 0.8) {
      colorJitter(out, 0.5, 0.5, 0.5, 0.25, rng);
    }
    if (rng.nextDouble() < 0.2) {
      grayscale(out);
    }
    if (rng.nextDouble() < 0.5) {
      blur(out, 0.1 + rng.nextDouble() * 1.9);
    }
    return out;
  }

  static void colorJitter(
      RgbImage im, double brightness, double contrast, double saturation, double hue, Random rng) {
    int[] order = {0, 1, 2, 3};
    for (int i = 3; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    for (int op : order) {
      switch (op) {
        case 0 -> scale(im, (float) (1 - brightness + rng.nextDouble() * 2 * brightness), 0f);
        case 1 -> {
          float factor = (float) (1 - contrast + rng.nextDouble() * 2 * contrast);
          float mean = 0;
          for (int i = 0; i < im.r.length; i++) {
            mean += luma(im, i);
          }
          mean /= im.r.length;
          scale(im, factor, (1 - factor) * mean);
        }
        case 2 -> {
          float factor = (float) (1 - saturation + rng.nextDouble() * 2 * saturation);
          for (int i = 0; i < im.r.length; i++) {
            float l = luma(im, i);
            im.r[i] = clamp(l + factor * (im.r[i] - l));
            im.g[i] = clamp(l + factor * (im.g[i] - l));
            im.b[i] = clamp(l + factor * (im.b[i] - l));
          }
        }
        default -> shiftHue(im, (float) ((rng.nextDouble() * 2 - 1) * hue));
      }
    }
  }

  private static void scale(RgbImage im, float factor, float offset) {
    for (int i = 0; i < im.r.length; i++) {
      im.r[i] = clamp(im.r[i] * factor + offset);
      im.g[i] = clamp(im.g[i] * factor + offset);
      im.b[i] = clamp(im.b[i] * factor + offset);
    }
  }

  private static void shiftHue(RgbImage im, float shift) {
    float[] hsb = new float[3];
    for (int i = 0; i < im.r.length; i++) {
      java.awt.Color.RGBtoHSB(
          Math.round(im.r[i] * 255), Math.round(im.g[i] * 255), Math.round(im.b[i] * 255), hsb);
      int rgb = java.awt.Color.HSBtoRGB(hsb[0] + shift, hsb[1], hsb[2]);
      im.r[i] = ((rgb >> 16) & 0xff) / 255f;
      im.g[i] = ((rgb >> 8) & 0xff) / 255f;
      im.b[i] = (rgb & 0xff) / 255f;
    }
  }

  static void grayscale(RgbImage im) {
    for (int i = 0; i < im.r.length; i++) {
      float l = luma(im, i);
      im.r[i] = l;
      im.g[i] = l;
      im.b[i] = l;
    }
  }

  /** Separable Gaussian blur, edges clamped. */
  static void blur(RgbImage im, double sigma) {
    int radius = Math.max(1, (int) Math.ceil(3 * sigma));
    float[] kernel = new float[2 * radius + 1];
    float sum = 0;
    for (int i = -radius; i <= radius; i++) {
      kernel[i + radius] = (float) Math.exp(-(i * i) / (2 * sigma * sigma));
      sum += kernel[i + radius];
    }
    for (int i = 0; i < kernel.length; i++) {
      kernel[i] /= sum;
    }
    for (float[] plane : new float[][] {im.r, im.g, im.b}) {
      float[] tmp = new float[plane.length];
      blurPass(plane, tmp, im.width, im.height, kernel, true);
      blurPass(tmp, plane, im.width, im.height, kernel, false);
    }
  }

  /** One pass of the separable blur, along x or along y, edges clamped. */
  private static void blurPass(
      float[] src, float[] dst, int width, int height, float[] kernel, boolean alongX) {
    int radius = kernel.length / 2;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        float acc = 0;
        for (int k = -radius; k <= radius; k++) {
          int at =
              alongX
                  ? y * width + Math.min(width - 1, Math.max(0, x + k))
                  : Math.min(height - 1, Math.max(0, y + k)) * width + x;
          acc += kernel[k + radius] * src[at];
        }
        dst[y * width + x] = acc;
      }
    }
  }

  private static float luma(RgbImage im, int i) {
    return 0.299f * im.r[i] + 0.587f * im.g[i] + 0.114f * im.b[i];
  }

  private static float clamp(float v) {
    return v < 0 ? 0 : (v > 1 ? 1 : v);
  }
}
