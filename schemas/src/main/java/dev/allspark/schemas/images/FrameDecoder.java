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
    BufferedImage image;
    try {
      image = ImageIO.read(new ByteArrayInputStream(bytes));
    } catch (IOException | RuntimeException e) {
      throw new BadFrame("image does not decode as " + frame.getEncoding() + ": " + e.getMessage());
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
