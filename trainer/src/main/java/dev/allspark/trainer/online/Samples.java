package dev.allspark.trainer.online;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.LabeledFrame;
import dev.allspark.schemas.images.FrameDecoder;
import dev.allspark.schemas.images.Images;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.schemas.labels.LabelMaps;
import dev.allspark.schemas.labels.MaskCheck;
import dev.allspark.trainer.RgbImage;
import dev.allspark.trainer.Sample;
import java.awt.image.BufferedImage;

/**
 * Frames from the topics as training samples at the training size: the frame rules ({@link
 * FrameDecoder}) and, for a labeled frame, the mask rules ({@link MaskCheck}) first; images are
 * resized bilinearly, labels by nearest neighbour.
 */
final class Samples {
  private final ClassSet classes;
  private final MaskCheck maskCheck;
  private final FrameDecoder decoder = new FrameDecoder(16 << 20, 4096L * 4096L);
  private final int width;
  private final int height;

  Samples(ClassSet classes, int width, int height) {
    this.classes = classes;
    this.maskCheck = new MaskCheck(classes);
    this.width = width;
    this.height = height;
  }

  /** A labeled frame at the training size, or the rule it breaks. */
  Sample labeled(LabeledFrame lf) throws FrameDecoder.BadFrame, LabelMaps.InvalidMaskException {
    CameraFrame frame = lf.getFrame();
    BufferedImage image = decoder.decode(frame);
    LabelMaps.LabelMap m = maskCheck.map(lf.getFrameId(), lf.getMask(), frame);
    int[] labels = new int[width * height];
    for (int y = 0; y < height; y++) {
      int sy = Math.min(m.height() - 1, (int) ((y + 0.5) * m.height() / height));
      for (int x = 0; x < width; x++) {
        int sx = Math.min(m.width() - 1, (int) ((x + 0.5) * m.width() / width));
        int v = m.id(sx, sy);
        labels[y * width + x] = v >= classes.size() ? classes.voidLabel() : v;
      }
    }
    return new Sample(lf.getFrameId(), RgbImage.of(resize(image)), labels);
  }

  /** An unlabeled frame at the training size, or the rule it breaks. */
  Sample unlabeled(CameraFrame frame) throws FrameDecoder.BadFrame {
    return new Sample(frame.getFrameId(), RgbImage.of(resize(decoder.decode(frame))), null);
  }

  private BufferedImage resize(BufferedImage image) {
    return Images.resize(image, width, height);
  }
}
