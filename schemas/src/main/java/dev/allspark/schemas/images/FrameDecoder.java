package dev.allspark.schemas.images;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.ImageEncoding;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import javax.imageio.ImageIO;

/**
 * Checks a camera frame and decodes its image. Every refusal says what is wrong, for the DLQ
 * header.
 */
public final class FrameDecoder {
  /** A frame that cannot be segmented, with the reason. */
  public static final class BadFrame extends Exception {
    public BadFrame(String reason) {
      super(reason, null, false, false);
    }
  }

  private final int maxBytes;
  private final long maxPixels;

  public FrameDecoder(int maxBytes, long maxPixels) {
    this.maxBytes = maxBytes;
    this.maxPixels = maxPixels;
  }

  /**
   * The format an image's first bytes say: {@code JPEG} (FF D8 FF), {@code PNG} (the 8-byte PNG
   * signature), or null (BMP, GIF, anything else; the JDK's decoder would read BMP and GIF too).
   */
  public static String sniff(byte[] b) {
    if (b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF) {
      return "JPEG";
    }
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (b.length >= png.length && java.util.Arrays.equals(b, 0, png.length, png, 0, png.length)) {
      return "PNG";
    }
    return null;
  }

  /** A decoder's failure in words: its message, else its kind, with the causes. */
  private static String why(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      String part =
          m == null || m.isBlank() || m.strip().endsWith(":")
              ? t.getClass().getSimpleName() + (m == null ? "" : " (" + m.strip() + ")")
              : m.strip();
      b.append(b.length() == 0 ? "" : "; ").append(part);
    }
    return b.toString();
  }

  public BufferedImage decode(CameraFrame frame) throws BadFrame {
    if (frame.getFrameId() == null || frame.getFrameId().isBlank()) {
      throw new BadFrame("frameId is empty");
    }
    if (frame.getImageRef() != null) {
      throw new BadFrame(
          "image stored by reference (" + frame.getImageRef() + "): claim checks are not served");
    }
    int w = frame.getWidth();
    int h = frame.getHeight();
    if (w < 1 || h < 1) {
      throw new BadFrame("declared size " + w + "x" + h + " is not positive");
    }
    if ((long) w * h > maxPixels) {
      throw new BadFrame(
          "declared size " + w + "x" + h + " is over the limit of " + maxPixels + " pixels");
    }
    ByteBuffer data = frame.getImage().duplicate();
    if (data.remaining() > maxBytes) {
      throw new BadFrame(
          "image of " + data.remaining() + " bytes is over the limit of " + maxBytes + " bytes");
    }
    if (data.remaining() == 0) {
      throw new BadFrame("image is empty");
    }
    if (frame.getEncoding() != ImageEncoding.JPEG && frame.getEncoding() != ImageEncoding.PNG) {
      throw new BadFrame("encoding " + frame.getEncoding() + " is not JPEG or PNG");
    }
    byte[] bytes = new byte[data.remaining()];
    data.get(bytes);
    String actual = sniff(bytes);
    if (!frame.getEncoding().name().equals(actual)) {
      throw new BadFrame(
          "image is declared "
              + frame.getEncoding()
              + " but its bytes are "
              + (actual == null ? "neither JPEG nor PNG" : actual));
    }
    BufferedImage image;
    try (javax.imageio.stream.ImageInputStream in =
        ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      java.util.Iterator<javax.imageio.ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new BadFrame("image does not decode as " + frame.getEncoding() + " (no reader)");
      }
      javax.imageio.ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        // the header's size first: a small file that unpacks to a huge image (a decompression
        // bomb) is refused before its pixels are allocated
        int fw = reader.getWidth(0);
        int fh = reader.getHeight(0);
        if (fw != w || fh != h) {
          throw new BadFrame(
              "declared size " + w + "x" + h + " differs from the image's " + fw + "x" + fh);
        }
        image = reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      throw new BadFrame("image does not decode as " + frame.getEncoding() + ": " + why(e));
    }
    if (image == null) {
      throw new BadFrame("image does not decode as " + frame.getEncoding() + " (no reader)");
    }
    if (image.getWidth() != w || image.getHeight() != h) {
      throw new BadFrame(
          "declared size "
              + w
              + "x"
              + h
              + " differs from the image's "
              + image.getWidth()
              + "x"
              + image.getHeight());
    }
    return image;
  }
}
