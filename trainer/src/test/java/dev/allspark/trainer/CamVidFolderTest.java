package dev.allspark.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.testkit.SharedData;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CamVidFolderTest {

  @Test
  void readsTheRealCamVidSplitsAndLabelMaps() {
    CamVidFolder folder = new CamVidFolder(SharedData.require("datasets/camvid"));
    assertThat(folder.labeledNames("full")).hasSize(367);
    assertThat(folder.labeledNames("1_8")).hasSize(46);
    assertThat(folder.unlabeledNames("1_8")).hasSize(321);
    assertThat(folder.valNames()).hasSize(101);
    List<Sample> two =
        folder.load("train", "trainannot", folder.labeledNames("1_8").subList(0, 2), n -> {});
    for (Sample s : two) {
      assertThat(s.image().width()).isEqualTo(480);
      assertThat(s.image().height()).isEqualTo(360);
      assertThat(
              java.util.Arrays.stream(s.labels())
                  .allMatch(l -> l >= 0 && l <= ClassSet.CAMVID.voidLabel()))
          .as(s.id() + " holds class ids 0..11")
          .isTrue();
    }
  }

  @Test
  void aFolderWithoutTheLayoutIsRefusedByName(@TempDir Path dir) {
    assertThatThrownBy(() -> new CamVidFolder(dir))
        .hasMessageContaining("--data " + dir)
        .hasMessageContaining("train/ is missing");
  }

  @Test
  void anUnknownSplitNamesTheKnownOnes(@TempDir Path dir) throws Exception {
    CamVidFolder folder = new CamVidFolder(SyntheticCamVid.write(dir, 3, 1, 40, 36));
    assertThatThrownBy(() -> folder.labeledNames("1_3"))
        .hasMessageContaining("known splits: 1_4, 1_8, 1_16, full");
  }
}
