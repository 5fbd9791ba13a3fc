package dev.allspark.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allspark.schemas.ImageEncoding;
import dev.allspark.schemas.images.Images;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The edge check: the header of every frame, the whole image of every n-th. */
class FrameProducerTest {
  // nothing is sent: validate needs no broker
  static FrameProducer producer(int decodeEvery) {
    return new FrameProducer(
        Map.of("bootstrap.servers", "127.0.0.1:1"), "frames", 1 << 20, decodeEvery);
  }

  static final byte[] PNG = Images.png(new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB));

  /** The signature and the header (IHDR) intact, the pixel data cut off: does not decode. */
  static final byte[] TRUNCATED = Arrays.copyOf(PNG, 40);

  static SourceFrame frame(byte[] image, int width, int height) {
    return new SourceFrame(
        "f", "v", "c", 1L, ImageEncoding.PNG, image, width, height, Map.of(), null);
  }

  @Test
  void theHeaderGivesAndChecksTheSizeOfEveryFrameWithoutDecodingIt() throws Exception {
    try (FrameProducer p = producer(0)) {
      assertThat(p.validate(frame(PNG, 0, 0)).getWidth()).isEqualTo(64);
      assertThat(p.validate(frame(TRUNCATED, 0, 0)).getHeight()).isEqualTo(48);
      assertThatThrownBy(() -> p.validate(frame(PNG, 64, 47)))
          .hasMessageContaining("declared size 64x47 differs from the image's 64x48");
      byte[] noHeader = Arrays.copyOf(PNG, 12); // the signature, then nothing
      assertThatThrownBy(() -> p.validate(frame(noHeader, 64, 48)))
          .hasMessageContaining("image header does not read as PNG");
    }
  }

  @Test
  void everyNthFrameIsDecodedInFull() throws Exception {
    try (FrameProducer every = producer(1)) {
      assertThatThrownBy(() -> every.validate(frame(TRUNCATED, 64, 48)))
          .hasMessageContaining("image does not decode as PNG");
    }
    try (FrameProducer third = producer(3)) {
      int refused = 0;
      for (int i = 0; i < 7; i++) {
        try {
          third.validate(frame(TRUNCATED, 64, 48));
        } catch (FrameProducer.RejectedFrameException e) {
          refused++;
        }
      }
      assertThat(refused).as("frames 0, 3 and 6 decoded").isEqualTo(3);
    }
  }
}
