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
}
