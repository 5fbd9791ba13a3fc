package dev.allspark.schemas.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class LabelMapsTest {
  private static final ClassSet CAMVID = ClassSet.CAMVID;

  @Test
  void grayIdsRoundTripThroughThePngThatTheTopicCarries() throws Exception {
    byte[] ids = new byte[6 * 4];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (byte) (i % 12); // 0..10 classes, 11 void
    }
    ids[3] = (byte) 255;
    LabelMaps.LabelMap map = new LabelMaps.LabelMap(6, 4, ids);
    LabelMaps.LabelMap back = LabelMaps.read(LabelMaps.grayPng(map), CAMVID);
    assertThat(back.width()).isEqualTo(6);
    assertThat(back.height()).isEqualTo(4);
    assertThat(back.ids()).containsExactly(ids);
  }

  @Test
  void colourMasksInTheCamVidPaletteBecomeIds() throws Exception {
    byte[] ids = {3, 0, 8, 11, 9, 10};
    LabelMaps.LabelMap map = new LabelMaps.LabelMap(3, 2, ids);
    byte[] png = png(LabelMaps.colour(map, CAMVID));
    LabelMaps.LabelMap back = LabelMaps.read(png, CAMVID);
    assertThat(back.ids()).containsExactly(ids); // void (11) is drawn black and read back as void
  }

  @Test
  void refusalsSayWhatAndWhere() throws Exception {
    byte[] ids = new byte[4 * 4];
    ids[2 * 4 + 1] = 40;
    assertThatThrownBy(
            () -> LabelMaps.read(LabelMaps.grayPng(new LabelMaps.LabelMap(4, 4, ids)), CAMVID))
        .isInstanceOf(LabelMaps.InvalidMaskException.class)
        .hasMessageContaining("class id 40 at (1, 2) is not a camvid-11 class");

    BufferedImage odd = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
    odd.setRGB(1, 1, 0x123456);
    assertThatThrownBy(() -> LabelMaps.read(png(odd), CAMVID))
        .hasMessageContaining("colour #123456 at (1, 1) is not in the camvid-11 palette");

    assertThatThrownBy(() -> LabelMaps.read("not a png".getBytes(), CAMVID))
        .hasMessageContaining("does not decode");
    assertThatThrownBy(() -> LabelMaps.read(new byte[0], CAMVID)).hasMessageContaining("empty");
  }

  private static byte[] png(BufferedImage image) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }
}
