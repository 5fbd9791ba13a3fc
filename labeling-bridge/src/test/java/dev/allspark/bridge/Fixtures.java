package dev.allspark.bridge;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.ImageEncoding;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.LabelReason;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.images.Images;
import dev.allspark.schemas.labels.LabelMaps;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;

/** Small frames, requests and masks for the bridge's tests. */
final class Fixtures {
  private Fixtures() {}

  static CameraFrame frame(String id, int w, int h) {
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        image.setRGB(x, y, y < h / 2 ? 0x8080c0 : 0x804080);
      }
    }
    return CameraFrame.newBuilder()
        .setFrameId(id)
        .setVehicleId("v1")
        .setCameraId("c1")
        .setCaptureTime(Instant.ofEpochMilli(1_700_000_000_000L))
        .setWidth(w)
        .setHeight(h)
        .setEncoding(ImageEncoding.PNG)
        .setImage(ByteBuffer.wrap(png(image)))
        .setMetadata(Map.of())
        .build();
  }

  static LabelRequest request(String id, int w, int h, long requestedAt) {
    return LabelRequest.newBuilder()
        .setFrameId(id)
        .setFrame(frame(id, w, h))
        .setReason(LabelReason.UNCERTAINTY)
        .setScore(1.5f)
        .setModelVersion(3)
        .setRequestedAt(Instant.ofEpochMilli(requestedAt))
        .build();
  }

  /** A request carrying the model's prediction (class ids {@code top} over {@code bottom}). */
  static LabelRequest predicted(String id, int w, int h, long requestedAt, int top, int bottom) {
    return LabelRequest.newBuilder(request(id, w, h, requestedAt))
        .setPrediction(ByteBuffer.wrap(idsPng(w, h, top, bottom)))
        .build();
  }

  /** Sky on the top half, road below: class ids 0 and 3. */
  static byte[] idsPng(int w, int h, int top, int bottom) {
    byte[] ids = new byte[w * h];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (byte) (i / w < h / 2 ? top : bottom);
    }
    return LabelMaps.grayPng(new LabelMaps.LabelMap(w, h, ids));
  }

  static LabelMask mask(String id, byte[] png, int w, int h, String labeler) {
    return LabelMask.newBuilder()
        .setFrameId(id)
        .setMask(ByteBuffer.wrap(png))
        .setWidth(w)
        .setHeight(h)
        .setClassSetVersion("camvid-11")
        .setLabeler(labeler)
        .setLabeledAt(Instant.ofEpochMilli(1_700_000_100_000L))
        .build();
  }

  static byte[] png(BufferedImage image) {
    return Images.png(image);
  }
}
