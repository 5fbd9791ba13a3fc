package dev.allspark.schemas.images;

import dev.allspark.schemas.ImageEncoding;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The frame rules, in one place: what ingest checks at the edge ({@code FrameProducer}, answered
 * with a 4xx) and what every consumer checks again ({@link FrameDecoder}, the reason of a dead
 * letter), with one wording. Each check returns what is wrong, or null.
 */
public final class FrameRules {
  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  private FrameRules() {}

  /**
   * The format an image's first bytes say: {@code JPEG} (FF D8 FF), {@code PNG} (the 8-byte PNG
   * signature), or null (BMP, GIF, anything else; the JDK's decoder would read BMP and GIF too).
   */
  public static String sniff(byte[] b) {
    if (b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF) {
      return "JPEG";
    }
    if (b.length >= PNG.length && Arrays.equals(b, 0, PNG.length, PNG, 0, PNG.length)) {
      return "PNG";
    }
    return null;
  }

  /** Only JPEG and PNG frames are taken. */
  public static String encoding(ImageEncoding declared) {
    return declared == ImageEncoding.JPEG || declared == ImageEncoding.PNG
        ? null
        : "encoding " + declared + " is not JPEG or PNG";
  }

  /** The bytes must be what the frame says they are (a signature check, no decoding). */
  public static String signature(ImageEncoding declared, byte[] image) {
    String actual = sniff(image);
    return declared.name().equals(actual)
        ? null
        : "image is declared "
            + declared
            + " but its bytes are "
            + (actual == null ? "neither JPEG nor PNG" : actual);
  }

  /** The declared size must be the image's (from its header, or once decoded). */
  public static String size(int width, int height, int imageWidth, int imageHeight) {
    return width == imageWidth && height == imageHeight
        ? null
        : "declared size "
            + width
            + "x"
            + height
            + " differs from the image's "
            + imageWidth
            + "x"
            + imageHeight;
  }

  /**
   * Width and height from the image's header (PNG's IHDR, JPEG's frame header) through the JDK's
   * readers, without decoding a pixel; null when no reader takes the bytes or the header does not
   * read.
   */
  public static int[] headerSize(byte[] image) {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(image))) {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        return null;
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in);
        return new int[] {reader.getWidth(0), reader.getHeight(0)};
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** What an unreadable header says. */
  public static String unreadableHeader(ImageEncoding declared) {
    return "image header does not read as " + declared;
  }

  /** What a decoder failure says. */
  public static String undecodable(ImageEncoding declared, String why) {
    return "image does not decode as " + declared + (why == null ? "" : ": " + why);
  }
}
