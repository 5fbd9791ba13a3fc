package dev.allspark.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.images.FrameDecoder;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
  private final byte[] png = InferenceFixture.png(InferenceFixture.scene(new Random(1), 80, 60));

  @Test
  void aGoodFrameDecodesAtItsDeclaredSize() throws Exception {
    var image =
        new FrameDecoder(1 << 20, 1 << 20).decode(InferenceFixture.frame("f", "c", png, 80, 60));
    assertThat(image.getWidth()).isEqualTo(80);
    assertThat(image.getHeight()).isEqualTo(60);
  }

  @Test
  void limitsAndClaimChecksAreRefusedWithTheReason() {
    CameraFrame frame = InferenceFixture.frame("f", "c", png, 80, 60);
    assertThatThrownBy(() -> new FrameDecoder(100, 1 << 20).decode(frame))
        .hasMessageContaining("over the limit of 100 bytes");
    assertThatThrownBy(() -> new FrameDecoder(1 << 20, 1000).decode(frame))
        .hasMessageContaining("declared size 80x60 is over the limit of 1000 pixels");
    CameraFrame ref = InferenceFixture.frame("f", "c", new byte[0], 80, 60);
    ref.setImageRef("s3://bucket/frame.png");
    assertThatThrownBy(() -> new FrameDecoder(1 << 20, 1 << 20).decode(ref))
        .hasMessageContaining("claim checks");
    CameraFrame noId = InferenceFixture.frame("", "c", png, 80, 60);
    assertThatThrownBy(() -> new FrameDecoder(1 << 20, 1 << 20).decode(noId))
        .hasMessageContaining("frameId is empty");
  }

  /** Issue 13: a PNG declared JPEG got a result; a bomb's reason read "Caught exception ...". */
  @Test
  void theDeclaredEncodingIsEnforcedAndABombIsRefusedFromItsHeader() throws Exception {
    CameraFrame asJpeg = InferenceFixture.frame("f", "c", png, 80, 60);
    asJpeg.setEncoding(dev.allspark.schemas.ImageEncoding.JPEG);
    assertThatThrownBy(() -> new FrameDecoder(1 << 20, 1 << 20).decode(asJpeg))
        .hasMessageContaining("image is declared JPEG but its bytes are PNG");
    // a 200-byte PNG whose header says 30000x30000 (900 M pixels): refused before decoding
    byte[] bomb = pngHeaderOnly(30000, 30000);
    assertThatThrownBy(
            () ->
                new FrameDecoder(1 << 20, 1 << 20)
                    .decode(InferenceFixture.frame("f", "c", bomb, 80, 60)))
        .hasMessageContaining("declared size 80x60 differs from the image's 30000x30000");
  }

  private static byte[] pngHeaderOnly(int w, int h) throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13);
    ihdr.putInt(w).putInt(h).put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
    chunk(out, "IHDR", ihdr.array());
    chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(java.io.ByteArrayOutputStream out, String type, byte[] data)
      throws Exception {
    java.nio.ByteBuffer len = java.nio.ByteBuffer.allocate(4).putInt(data.length);
    out.write(len.array());
    byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    out.write(t);
    out.write(data);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(t);
    crc.update(data);
    out.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }
}
