package dev.allspark.stack.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allspark.ingest.FolderReplay;
import dev.allspark.ingest.SourceFrame;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.schemas.labels.LabelMaps;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Cityscapes-layout folder (written here: {@code leftImg8bit/train/<city>/..._leftImg8bit.png}
 * and {@code gtFine/train/<city>/..._gtFine_labelIds.png}) replays as frames whose ground truth is
 * the labelIds mapped to Cityscapes' 19 train ids.
 */
class CityscapesReplayTest {
  private static final int W = 32;
  private static final int H = 16;

  @Test
  void framesReplayAndTheirLabelIdsBecomeTrainIds(@TempDir Path root) throws Exception {
    Path images = root.resolve("leftImg8bit/train/aachen");
    Path labels = root.resolve("gtFine/train/aachen");
    Files.createDirectories(images);
    Files.createDirectories(labels);
    for (int f : new int[] {19, 20}) {
      String stem = String.format("aachen_000000_%06d", f);
      ImageIO.write(
          new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB),
          "png",
          images.resolve(stem + "_leftImg8bit.png").toFile());
      BufferedImage ids = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_GRAY);
      for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
          // sky (labelId 23) over road (7), a car (26) and the ego vehicle (1, not trained)
          int id = y < H / 2 ? 23 : x < 4 ? 26 : y == H - 1 ? 1 : 7;
          ids.getRaster().setSample(x, y, 0, id);
        }
      }
      ImageIO.write(ids, "png", labels.resolve(stem + "_gtFine_labelIds.png").toFile());
    }

    FolderReplay replay = FolderReplay.open(root.resolve("leftImg8bit/train"), 2, 0, false);
    assertThat(replay.frameCount()).isEqualTo(2);
    SourceFrame first = replay.pass(0, 0).next();
    assertThat(first.frameId()).isEqualTo("aachen_000000/aachen_000000_000019_leftImg8bit");

    Path gt = DemoSettings.gtFine(root.resolve("leftImg8bit/train"));
    assertThat(gt).isEqualTo(labels.getParent().toAbsolutePath().normalize());
    byte[] png = SimulatedLabelers.cityscapes(gt, ClassSet.CITYSCAPES).maskPng(first.frameId());
    LabelMaps.LabelMap m = LabelMaps.read(png, ClassSet.CITYSCAPES);
    long[] h = m.histogram();
    assertThat(m.id(10, 0)).isEqualTo(10); // sky
    assertThat(m.id(10, H / 2)).isEqualTo(0); // road
    assertThat(m.id(0, H - 2)).isEqualTo(13); // car
    assertThat(m.id(10, H - 1)).isEqualTo(255); // ego vehicle: void
    assertThat(h[10]).isEqualTo(W * H / 2);
    assertThat(
            SimulatedLabelers.cityscapes(gt, ClassSet.CITYSCAPES)
                .maskPng("aachen_000000/aachen_000000_000099_leftImg8bit"))
        .isNull();
    assertThatThrownBy(() -> DemoSettings.gtFine(images))
        .hasMessageContaining("is not a Cityscapes leftImg8bit/<split> folder");
  }
}
