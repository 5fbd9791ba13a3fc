package dev.allspark.schemas.labels;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Label maps as they travel in {@code LabelMask.mask}: an 8-bit grayscale PNG whose pixel values
 * are class ids, with the class set's void id or 255 meaning "not labeled". Labelers may also send
 * a colour PNG in the class set's palette (CamVid's colours); {@link #read} turns either into ids
 * and every refusal says what is wrong and where, for an HTTP 4xx or a DLQ header.
 */
public final class LabelMaps {
  private LabelMaps() {}

  /** A mask that cannot be used, with the reason. */
  public static final class InvalidMaskException extends Exception {
    public InvalidMaskException(String reason) {
      super(reason, null, false, false);
    }
  }

  /** Class ids, row-major, one byte per pixel (read as unsigned). */
  public record LabelMap(int width, int height, byte[] ids) {
    public int id(int x, int y) {
      return ids[y * width + x] & 0xff;
    }

    /** Pixels per class id (index = id, 0..255). */
    public long[] histogram() {
      long[] counts = new long[256];
      for (byte b : ids) {
        counts[b & 0xff]++;
      }
      return counts;
    }
  }

  /**
   * Decodes a mask PNG: single-band (gray) values are class ids; a colour image is mapped through
   * the class set's palette (black, the CamVid void colour, is void). Ids must be a class, the void
   * id or 255.
   */
  public static LabelMap read(byte[] png, ClassSet classes) throws InvalidMaskException {
    if (png == null || png.length == 0) {
      throw new InvalidMaskException("the mask is empty");
    }
    BufferedImage image;
    try {
      image = ImageIO.read(new ByteArrayInputStream(png));
    } catch (IOException | RuntimeException e) {
      image = null;
    }
    if (image == null) {
      throw new InvalidMaskException("the mask does not decode as an image (PNG expected)");
    }
    int w = image.getWidth();
    int h = image.getHeight();
    byte[] ids = new byte[w * h];
    Raster raster = image.getRaster();
    boolean gray =
        raster.getNumBands() == 1 && image.getColorModel().getPixelSize() <= 16 && !indexed(image);
    if (gray) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int v = raster.getSample(x, y, 0);
          if (v > 255) {
            throw new InvalidMaskException(
                "value " + v + " at (" + x + ", " + y + ") does not fit a class id (0..255)");
          }
          ids[y * w + x] = (byte) v;
        }
      }
    } else {
      Map<Integer, Integer> palette = palette(classes);
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int rgb = image.getRGB(x, y) & 0xffffff;
          Integer id = palette.get(rgb);
          if (id == null) {
            throw new InvalidMaskException(
                String.format(
                    "colour #%06x at (%d, %d) is not in the %s palette", rgb, x, y, classes.id()));
          }
          ids[y * w + x] = (byte) (int) id;
        }
      }
    }
    LabelMap map = new LabelMap(w, h, ids);
    checkIds(map, classes);
    return map;
  }

  /** Refuses ids that are neither a class of the set, its void id, nor 255. */
  public static void checkIds(LabelMap map, ClassSet classes) throws InvalidMaskException {
    long[] counts = map.histogram();
    for (int v = classes.size(); v < 256; v++) {
      if (counts[v] > 0 && v != classes.voidLabel() && v != 255) {
        int at = 0;
        while ((map.ids()[at] & 0xff) != v) {
          at++;
        }
        throw new InvalidMaskException(
            "class id "
                + v
                + " at ("
                + at % map.width()
                + ", "
                + at / map.width()
                + ") is not a "
                + classes.id()
                + " class (0.."
                + (classes.size() - 1)
                + ", void "
                + classes.voidLabel()
                + " or 255)");
      }
    }
  }

  /** The mask as the 8-bit grayscale PNG of class ids that {@code labels.masks} carries. */
  public static byte[] grayPng(LabelMap map) {
    BufferedImage image =
        new BufferedImage(map.width(), map.height(), BufferedImage.TYPE_BYTE_GRAY);
    image.getRaster().setDataElements(0, 0, map.width(), map.height(), map.ids());
    return dev.allspark.schemas.images.Images.png(image);
  }

  /** A colour image of the ids in the class set's palette (void and unknown ids black). */
  public static BufferedImage colour(LabelMap map, ClassSet classes) {
    BufferedImage image = new BufferedImage(map.width(), map.height(), BufferedImage.TYPE_INT_RGB);
    int[] rgb = new int[256];
    for (int c = 0; c < classes.size(); c++) {
      int[] col = classes.colors().get(c);
      rgb[c] = (col[0] << 16) | (col[1] << 8) | col[2];
    }
    for (int y = 0; y < map.height(); y++) {
      for (int x = 0; x < map.width(); x++) {
        image.setRGB(x, y, rgb[map.id(x, y)]);
      }
    }
    return image;
  }

  private static boolean indexed(BufferedImage image) {
    return image.getColorModel() instanceof java.awt.image.IndexColorModel icm && !isGrayRamp(icm);
  }

  /** A palette PNG whose palette is the identity gray ramp holds ids, like a gray PNG. */
  private static boolean isGrayRamp(java.awt.image.IndexColorModel icm) {
    for (int i = 0; i < icm.getMapSize(); i++) {
      if (icm.getRed(i) != i || icm.getGreen(i) != i || icm.getBlue(i) != i) {
        return false;
      }
    }
    return true;
  }

  private static Map<Integer, Integer> palette(ClassSet classes) {
    Map<Integer, Integer> palette = new HashMap<>();
    for (int c = 0; c < classes.size(); c++) {
      int[] col = classes.colors().get(c);
      palette.put((col[0] << 16) | (col[1] << 8) | col[2], c);
    }
    palette.putIfAbsent(0, classes.voidLabel() >= 0 ? classes.voidLabel() : 255);
    return palette;
  }
}
