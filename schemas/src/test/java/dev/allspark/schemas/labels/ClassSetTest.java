package dev.allspark.schemas.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassSetTest {
  @Test
  void builtInsByName() {
    assertThat(ClassSet.named("camvid", "--classes")).isSameAs(ClassSet.CAMVID);
    assertThat(ClassSet.named("CamVid-11", "--classes")).isSameAs(ClassSet.CAMVID);
    assertThat(ClassSet.named(null, "--classes")).isSameAs(ClassSet.CAMVID);
    ClassSet cs = ClassSet.named("cityscapes", "--classes");
    assertThat(cs.id()).isEqualTo("cityscapes-19");
    assertThat(cs.size()).isEqualTo(19);
    assertThat(cs.voidLabel()).isEqualTo(255);
    assertThat(cs.names().get(13)).isEqualTo("car");
    assertThat(cs.colors().get(13)).containsExactly(0, 0, 142);
  }

  /** Cityscapes' labelIds -> trainIds, as in cityscapesscripts' labels.py. */
  @Test
  void cityscapesMapsLabelIdsToTrainIds() {
    ClassSet cs = ClassSet.CITYSCAPES;
    assertThat(cs.train(7)).isEqualTo(0); // road
    assertThat(cs.train(8)).isEqualTo(1); // sidewalk
    assertThat(cs.train(11)).isEqualTo(2); // building
    assertThat(cs.train(23)).isEqualTo(10); // sky
    assertThat(cs.train(24)).isEqualTo(11); // person
    assertThat(cs.train(26)).isEqualTo(13); // car
    assertThat(cs.train(33)).isEqualTo(18); // bicycle
    for (int raw : new int[] {0, 1, 2, 3, 4, 5, 6, 9, 10, 14, 15, 16, 18, 29, 30, 34, 255}) {
      assertThat(cs.train(raw)).as("labelId " + raw).isEqualTo(255);
    }
    int trained = 0;
    for (int raw = 0; raw < 256; raw++) {
      trained += cs.train(raw) != 255 ? 1 : 0;
    }
    assertThat(trained).isEqualTo(19);
    assertThat(ClassSet.CAMVID.train(5)).isEqualTo(5); // no mapping: ids are class ids
  }

  @Test
  void aFileDefinesAClassSet(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("depot.json");
    Files.writeString(
        f,
        """
        {"id": "depot-3", "void": 255,
         "classes": [{"name": "floor", "color": "#804080"}, {"name": "shelf", "color": "#F0A000"},
                     {"name": "forklift", "color": "#0000ff"}],
         "rawToTrain": {"10": 0, "20": 1, "30": 2}}
        """);
    ClassSet cs = ClassSet.named(f.toString(), "--classes");
    assertThat(cs.id()).isEqualTo("depot-3");
    assertThat(cs.names()).containsExactly("floor", "shelf", "forklift");
    assertThat(cs.colors().get(1)).containsExactly(0xf0, 0xa0, 0);
    assertThat(cs.train(20)).isEqualTo(1);
    assertThat(cs.train(21)).isEqualTo(255);
    assertThat(cs.sameClasses(ClassSet.named(f.toString(), "x"))).isTrue();
    assertThat(cs.sameClasses(ClassSet.CAMVID)).isFalse();
  }

  @Test
  void badNamesAndFilesAreRefusedSayingWhere(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> ClassSet.named("kitti", "--classes"))
        .hasMessageContaining("--classes kitti")
        .hasMessageContaining("[camvid, cityscapes]");
    Path f = dir.resolve("bad.json");
    Files.writeString(
        f,
        "{\"id\": \"x\", \"classes\": [{\"name\": \"a\", \"color\": \"red\"}, {\"name\": \"b\"}]}");
    assertThatThrownBy(() -> ClassSet.named(f.toString(), "ALLSPARK_CLASSES"))
        .hasMessageContaining("ALLSPARK_CLASSES " + f)
        .hasMessageContaining("class 'a' has colour 'red'");
    Files.writeString(
        f,
        "{\"id\": \"x\", \"void\": 255, \"classes\": [{\"name\": \"a\", \"color\": \"#000000\"},"
            + " {\"name\": \"b\", \"color\": \"#ffffff\"}], \"rawToTrain\": {\"3\": 7}}");
    assertThatThrownBy(() -> ClassSet.named(f.toString(), "--classes"))
        .hasMessageContaining("raw id 3 maps to 7");
  }

  @Test
  void aClassIsFoundByItsNameAndAnUnknownNameIsRefusedWithTheSetsNames() {
    assertThat(ClassSet.CAMVID.index("Sky")).isZero();
    assertThat(ClassSet.CAMVID.index("car")).isEqualTo(8);
    assertThat(ClassSet.CITYSCAPES.index("rider")).isEqualTo(12);
    assertThatThrownBy(() -> ClassSet.CAMVID.index("lorry"))
        .hasMessageContaining("camvid-11 has no class 'lorry'")
        .hasMessageContaining("Bicyclist");
  }
}
