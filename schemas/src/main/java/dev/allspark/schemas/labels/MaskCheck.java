package dev.allspark.schemas.labels;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.LabelMask;
import java.nio.ByteBuffer;

/**
 * The mask rules, in one place: the checks a mask must pass before it joins its frame, used by the
 * bridge's HTTP API (answers 4xx), the join topology (dead letter, reason {@code bad-mask}) and the
 * trainer (dead letter of a labeled frame): the frame id matches, the class set is the one in use,
 * the PNG decodes to known class ids, and its size equals the frame's.
 */
public final class MaskCheck {
  private final ClassSet classes;

  public MaskCheck(ClassSet classes) {
    this.classes = classes;
  }

  public ClassSet classes() {
    return classes;
  }

  /**
   * Returns the mask in its canonical form (gray PNG of class ids, declared size set), or throws
   * saying what is wrong.
   */
  public LabelMask check(String frameId, LabelMask mask, CameraFrame frame)
      throws LabelMaps.InvalidMaskException {
    LabelMaps.LabelMap map = map(frameId, mask, frame);
    return LabelMask.newBuilder(mask)
        .setMask(ByteBuffer.wrap(LabelMaps.grayPng(map)))
        .setWidth(map.width())
        .setHeight(map.height())
        .build();
  }

  /** The mask's class map, once every rule holds; or throws saying which one does not. */
  public LabelMaps.LabelMap map(String frameId, LabelMask mask, CameraFrame frame)
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
    return read(png, frame);
  }

  /** Decodes a mask PNG (gray ids or palette colours) and checks it against the frame's size. */
  public LabelMaps.LabelMap read(byte[] png, CameraFrame frame)
      throws LabelMaps.InvalidMaskException {
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
