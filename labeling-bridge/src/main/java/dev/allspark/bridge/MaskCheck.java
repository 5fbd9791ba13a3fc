package dev.allspark.bridge;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.schemas.labels.LabelMaps;
import java.nio.ByteBuffer;

/**
 * The checks a mask must pass before it joins its frame, shared by the HTTP API (answers 4xx) and
 * the join topology (sends to the DLQ): the frame id matches, the class set is the one in use, the
 * PNG decodes to known class ids, and its size equals the frame's.
 */
final class MaskCheck {
  private final ClassSet classes;

  MaskCheck(ClassSet classes) {
    this.classes = classes;
  }

  ClassSet classes() {
    return classes;
  }

  /**
   * Returns the mask in its canonical form (gray PNG of class ids, declared size set), or throws
   * saying what is wrong.
   */
  LabelMask check(String frameId, LabelMask mask, CameraFrame frame)
      throws LabelMaps.InvalidMaskException {
    if (!frameId.equals(mask.getFrameId())) {
      throw new LabelMaps.InvalidMaskException(
          "record key '"
              + frameId
              + "' differs from the mask's frameId '"
              + mask.getFrameId()
              + "'");
    }
    if (!classes.id().equals(mask.getClassSetVersion())) {
      throw new LabelMaps.InvalidMaskException(
          "class set '"
              + mask.getClassSetVersion()
              + "' is not the one in use ('"
              + classes.id()
              + "')");
    }
    ByteBuffer data = mask.getMask().duplicate();
    byte[] png = new byte[data.remaining()];
    data.get(png);
    LabelMaps.LabelMap map = read(png, frame);
    return LabelMask.newBuilder(mask)
        .setMask(ByteBuffer.wrap(LabelMaps.grayPng(map)))
        .setWidth(map.width())
        .setHeight(map.height())
        .build();
  }

  /** Decodes a mask PNG (gray ids or palette colours) and checks it against the frame's size. */
  LabelMaps.LabelMap read(byte[] png, CameraFrame frame) throws LabelMaps.InvalidMaskException {
    LabelMaps.LabelMap map = LabelMaps.read(png, classes);
    if (map.width() != frame.getWidth() || map.height() != frame.getHeight()) {
      throw new LabelMaps.InvalidMaskException(
          "mask is "
              + map.width()
              + "x"
              + map.height()
              + " but frame "
              + frame.getFrameId()
              + " is "
              + frame.getWidth()
              + "x"
              + frame.getHeight());
    }
    return map;
  }
}
