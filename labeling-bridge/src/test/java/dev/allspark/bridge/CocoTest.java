package dev.allspark.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.schemas.labels.LabelMaps;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CocoTest {
  private static final ClassSet CS = ClassSet.CAMVID;

  /**
   * Compressed RLE strings worked out by hand from pycocotools' {@code rleToString} (maskApi.c):
   * each count (minus the count two back, from the fourth on) in 5-bit groups, low first, +48, bit
   * 0x20 = more follows, sign from bit 0x10 of the last group.
   */
  @Test
  void compressedCountsMatchPycocotoolsEncoding() throws Exception {
    assertThat(Coco.toCompressed(new long[] {3, 2, 4})).isEqualTo("324");
    // 40 = 0b01000 + 0b1 << 5: 'X' (8 | 0x20, + 48) then '1'; 24 has bit 0x10 set, which would
    // read as a sign, so it takes a second group: 'h' (24 | 0x20, + 48) then '0'
    assertThat(Coco.toCompressed(new long[] {0, 40, 24})).isEqualTo("0X1h0");
    // the fourth count 2 is written as 2 - 5 = -3: 29 + 48 = 'M'
    assertThat(Coco.toCompressed(new long[] {1, 5, 1, 2})).isEqualTo("151M");
    assertThat(Coco.fromCompressed("151M", "t")).containsExactly(1, 5, 1, 2);
    assertThat(Coco.fromCompressed("0X1h0", "t")).containsExactly(0, 40, 24);
    long[] long_ = {100_000, 3, 99_990, 7, 12, 1_000_000};
    assertThat(Coco.fromCompressed(Coco.toCompressed(long_), "t")).containsExactly(long_);
    assertThatThrownBy(() -> Coco.fromCompressed("0X", "annotation 7"))
        .hasMessageContaining("annotation 7")
        .hasMessageContaining("ends inside a number");
  }

  @Test
  void runsAreColumnMajorStartingWithOthers() {
    // 3 wide, 2 high; class 8 at (1,0) and (1,1) and (2,1): column-major 0 0 | 8 8 | 0 8
    byte[] ids = {0, 8, 0, 0, 8, 8};
    long[] runs = Coco.rle(new LabelMaps.LabelMap(3, 2, ids), 8);
    assertThat(runs).containsExactly(2, 2, 1, 1);
    assertThat(Coco.rle(new LabelMaps.LabelMap(3, 2, ids), 5)).containsExactly(6);
  }

  @Test
  void anExportReadsBackToTheSameMask() throws Exception {
    byte[] ids = new byte[20 * 10];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (byte) (i % 20 < 7 ? 0 : i / 20 < 4 ? 8 : 3);
    }
    ids[5] = 11; // a void pixel stays void
    LabelMaps.LabelMap m = new LabelMaps.LabelMap(20, 10, ids);
    Map<String, Object> coco = Coco.export(List.of(new Coco.Item("cam/0001", m, 7)), CS);
    byte[] json = new ObjectMapper().writeValueAsBytes(coco);
    assertThat(new String(json, StandardCharsets.UTF_8))
        .contains("\"file_name\":\"cam/0001\"")
        .contains("\"name\":\"Car\"")
        .contains("\"iscrowd\":1");
    List<Coco.Read> back = Coco.read(json, CS);
    assertThat(back).hasSize(1);
    assertThat(back.get(0).fileName()).isEqualTo("cam/0001");
    assertThat(back.get(0).mask().ids()).isEqualTo(ids);
  }

  @Test
  void polygonsAndCountListsAreReadAndCategoriesMatchedByName() throws Exception {
    String json =
        """
        {"images": [{"id": 4, "file_name": "0001TP_006690.png", "width": 30, "height": 20}],
         "categories": [{"id": 17, "name": "road"}, {"id": 3, "name": "Car"}],
         "annotations": [
           {"id": 1, "image_id": 4, "category_id": 17,
            "segmentation": {"size": [20, 30], "counts": [0, 600]}},
           {"id": 2, "image_id": 4, "category_id": 3,
            "segmentation": [[10, 5, 20, 5, 20, 15, 10, 15]]}]}
        """;
    LabelMaps.LabelMap m = Coco.read(json.getBytes(StandardCharsets.UTF_8), CS).get(0).mask();
    long[] h = m.histogram();
    assertThat(h[8]).isEqualTo(100); // the 10x10 square, later annotation wins
    assertThat(h[3]).isEqualTo(600 - 100);
    assertThat(m.id(10, 5)).isEqualTo(8);
    assertThat(m.id(9, 5)).isEqualTo(3);
    assertThat(m.id(19, 14)).isEqualTo(8);
    assertThat(m.id(20, 15)).isEqualTo(3);
  }

  @Test
  void aFileThatCannotBeReadSaysWhereAndWhy() {
    String unknown =
        """
        {"images": [], "categories": [{"id": 1, "name": "Unicorn"}], "annotations": []}
        """;
    assertThatThrownBy(() -> Coco.read(unknown.getBytes(StandardCharsets.UTF_8), CS))
        .hasMessageContaining("category 'Unicorn' (id 1) is not a class of camvid-11");
    String wrongSize =
        """
        {"images": [{"id": 1, "file_name": "a", "width": 4, "height": 2}],
         "categories": [{"id": 1, "name": "Sky"}],
         "annotations": [{"id": 9, "image_id": 1, "category_id": 1,
           "segmentation": {"size": [2, 4], "counts": [0, 7]}}]}
        """;
    assertThatThrownBy(() -> Coco.read(wrongSize.getBytes(StandardCharsets.UTF_8), CS))
        .hasMessageContaining("annotation 9: RLE runs cover 7 pixels, the image has 8");
    assertThatThrownBy(() -> Coco.read("[1".getBytes(StandardCharsets.UTF_8), CS))
        .hasMessageContaining("not JSON");
  }
}
