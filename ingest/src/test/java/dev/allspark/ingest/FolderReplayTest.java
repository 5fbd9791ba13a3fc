package dev.allspark.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderReplayTest {
  private static void png(Path file) throws Exception {
    Files.createDirectories(file.getParent());
    ImageIO.write(new BufferedImage(8, 6, BufferedImage.TYPE_INT_RGB), "png", file.toFile());
  }

  @Test
  void camVidSequencesAreCamerasInNameOrderWhateverTheirFrameNumbering(@TempDir Path dir)
      throws Exception {
    // CamVid names frames 0001TP_006690 and also 0006R0_f00930
    for (String name :
        List.of(
            "0001TP_006720.png", "0001TP_006690.png", "0006R0_f00960.png", "0006R0_f00930.png")) {
      png(dir.resolve(name));
    }
    Files.writeString(dir.resolve("README.txt"), "not a frame");
    FolderReplay replay = FolderReplay.open(dir, 10, 0, false);
    assertThat(replay.cameras())
        .extracting(FolderReplay.Camera::cameraId)
        .containsExactly("0001TP", "0006R0");
    assertThat(replay.frameCount()).isEqualTo(4);
    List<String> ids = new ArrayList<>();
    replay.pass(0, 0).forEachRemaining(f -> ids.add(f.frameId()));
    assertThat(ids)
        .containsExactly(
            "0001TP/0001TP_006690", "0006R0/0006R0_f00930",
            "0001TP/0001TP_006720", "0006R0/0006R0_f00960");
    List<SourceFrame> frames = new ArrayList<>();
    replay.pass(0, 0).forEachRemaining(frames::add);
    assertThat(frames.get(0).width()).isEqualTo(8); // from the header, without decoding
    assertThat(frames.get(0).height()).isEqualTo(6);
  }

  @Test
  void cityscapesCitySequencesAreCameras(@TempDir Path dir) throws Exception {
    png(dir.resolve("aachen/aachen_000001_000019_leftImg8bit.png"));
    png(dir.resolve("aachen/aachen_000001_000020_leftImg8bit.png"));
    png(dir.resolve("bonn/bonn_000000_000019_leftImg8bit.png"));
    FolderReplay replay = FolderReplay.open(dir, 10, 1, false);
    // --start 1 skips each camera's first frame; bonn has nothing left
    assertThat(replay.cameras())
        .extracting(FolderReplay.Camera::cameraId)
        .containsExactly("aachen_000001");
    assertThat(replay.frameCount()).isEqualTo(1);
  }

  @Test
  void aFolderWithoutFramesIsRefusedSayingWhichLayoutsAreKnown(@TempDir Path dir) {
    assertThatThrownBy(() -> FolderReplay.open(dir, 10, 0, false))
        .hasMessageContaining("CamVid")
        .hasMessageContaining("Cityscapes");
  }
}
