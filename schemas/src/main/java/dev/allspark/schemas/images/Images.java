package dev.allspark.schemas.images;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Images as the bytes a topic carries. */
public final class Images {
  private Images() {}

  /** The image encoded as PNG. */
  public static byte[] png(BufferedImage image) {
    return encode(image, "png");
  }

  /** The image in an ImageIO format ({@code png}, {@code jpg}, ...). */
  public static byte[] encode(BufferedImage image, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalArgumentException("no ImageIO writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
