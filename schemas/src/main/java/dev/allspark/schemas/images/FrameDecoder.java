package dev.allspark.schemas.images;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.kafka.Errors;
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
    String wrong = FrameRules.encoding(frame.getEncoding());
    if (wrong != null) {
      throw new BadFrame(wrong);
    }
    byte[] bytes = new byte[data.remaining()];
    data.get(bytes);
    wrong = FrameRules.signature(frame.getEncoding(), bytes);
    if (wrong != null) {
      throw new BadFrame(wrong);
    }
    BufferedImage image;
    try (javax.imageio.stream.ImageInputStream in =
        ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      java.util.Iterator<javax.imageio.ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new BadFrame(FrameRules.undecodable(frame.getEncoding(), null) + " (no reader)");
      }
      javax.imageio.ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        // the header's size first: a small file that unpacks to a huge image (a decompression
        // bomb) is refused before its pixels are allocated
        int fw = reader.getWidth(0);
        int fh = reader.getHeight(0);
        wrong = FrameRules.size(w, h, fw, fh);
        if (wrong != null) {
          throw new BadFrame(wrong);
        }
        image = reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      throw new BadFrame(FrameRules.undecodable(frame.getEncoding(), Errors.describe(e)));
    }
    if (image == null) {
      throw new BadFrame(FrameRules.undecodable(frame.getEncoding(), null) + " (no reader)");
    }
    wrong = FrameRules.size(w, h, image.getWidth(), image.getHeight());
    if (wrong != null) {
      throw new BadFrame(wrong);
    }
    return image;
  }
}
