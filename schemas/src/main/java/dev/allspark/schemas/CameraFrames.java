package dev.allspark.schemas;

import java.nio.ByteBuffer;
import java.time.Instant;

/** Camera frames made in code: benchmarks, fault runs and tests that send frames of their own. */
public final class CameraFrames {
  private CameraFrames() {}

  /** A frame captured now, without metadata: {@code image} is {@code width x height} pixels. */
  public static CameraFrame capturedNow(
      String frameId,
      String vehicleId,
      String cameraId,
      ImageEncoding encoding,
      byte[] image,
      int width,
      int height) {
    return CameraFrame.newBuilder()
        .setFrameId(frameId)
        .setVehicleId(vehicleId)
        .setCameraId(cameraId)
        .setCaptureTime(Instant.now())
        .setWidth(width)
        .setHeight(height)
        .setEncoding(encoding)
        .setImage(ByteBuffer.wrap(image))
        .build();
  }
}
