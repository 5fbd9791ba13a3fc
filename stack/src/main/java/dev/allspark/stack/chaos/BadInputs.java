package dev.allspark.stack.chaos;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.CameraFrames;
import dev.allspark.schemas.ImageEncoding;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Frames and images that are wrong in one way each, for the malformed-input part. */
final class BadInputs {
  private BadInputs() {}

  static CameraFrame frame(String id, byte[] image, int w, int h, ImageEncoding enc) {
    return CameraFrames.capturedNow(id, "chaos", "chaos-cam", enc, image, w, h);
  }

  static byte[] png(BufferedImage image) {
    return dev.allspark.schemas.images.Images.png(image);
  }

  static byte[] truncated(byte[] png) {
    return java.util.Arrays.copyOf(png, png.length / 3);
  }

  /** A PNG whose header declares 30000x30000 pixels, in a few dozen bytes. */
  static byte[] bomb() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    ByteBuffer ihdr =
        ByteBuffer.allocate(13).putInt(30000).putInt(30000).put((byte) 8).put((byte) 0);
    chunk(out, "IHDR", java.util.Arrays.copyOf(ihdr.array(), 13));
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
    out.write(ByteBuffer.allocate(4).putInt(data.length).array());
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.write(t);
    out.write(data);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(t);
    crc.update(data);
    out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A small JSON writer for the report (maps, lists, strings, numbers, booleans). */
}
