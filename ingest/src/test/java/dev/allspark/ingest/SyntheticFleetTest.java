package dev.allspark.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Rectangle;
import java.io.ByteArrayOutputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class SyntheticFleetTest {
  @Test
  void everyVisiblePixelOfADrawnObjectCarriesItsClass() {
    SyntheticFleet fleet = new SyntheticFleet(42, 160, 120);
    Set<Integer> classesSeen = new HashSet<>();
    int checked = 0;
    for (int index = 0; index < 30; index++) {
      SyntheticFleet.Scene scene = fleet.scene(index % 3, index * 7L);
      List<SyntheticFleet.DrawnObject> objects = scene.objects();
      for (int i = 0; i < objects.size(); i++) {
        SyntheticFleet.DrawnObject o = objects.get(i);
        Rectangle box = o.shape().getBounds();
        // pixels inside the object and outside everything drawn after it
        for (int y = Math.max(0, box.y); y < Math.min(120, box.y + box.height); y++) {
          for (int x = Math.max(0, box.x); x < Math.min(160, box.x + box.width); x++) {
            double px = x + 0.5;
            double py = y + 0.5;
            if (!o.shape().contains(px, py) || o.shape().getBounds2D().getWidth() < 2) {
              continue;
            }
            boolean covered = false;
            for (int j = i + 1; j < objects.size() && !covered; j++) {
              // a pixel near a later shape's edge may go either way: skip the edge band
              covered = objects.get(j).shape().intersects(px - 1, py - 1, 2, 2);
            }
            if (!covered && o.shape().contains(new Rectangle(x - 1, y - 1, 3, 3))) {
              assertThat(scene.labels()[y * 160 + x])
                  .as("class at (%d, %d) of object %d in scene %d", x, y, i, index)
                  .isEqualTo(o.classId());
              classesSeen.add(o.classId());
              checked++;
            }
          }
        }
      }
    }
    assertThat(checked).isGreaterThan(10_000);
    // sky, building, road, sidewalk, tree and the road users all appear in 30 scenes
    assertThat(classesSeen).contains(0, 1, 3, 4, 5, 8, 9);
  }

  @Test
  void theSameSeedGivesTheSameBytesAndAnotherSeedDoesNot() throws Exception {
    byte[] a = png(new SyntheticFleet(7, 96, 72).scene(1, 5));
    byte[] b = png(new SyntheticFleet(7, 96, 72).scene(1, 5));
    byte[] c = png(new SyntheticFleet(8, 96, 72).scene(1, 5));
    assertThat(a).isEqualTo(b);
    assertThat(a).isNotEqualTo(c);
    assertThat(new SyntheticFleet(7, 96, 72).scene(1, 5).labels())
        .isEqualTo(new SyntheticFleet(7, 96, 72).scene(1, 5).labels());
  }

  @Test
  void labelsAreCamVidClassIdsOnly() {
    SyntheticFleet.Scene scene = new SyntheticFleet(3, 128, 96).scene(0, 0);
    for (int label : scene.labels()) {
      assertThat(label).isBetween(0, 10);
    }
  }

  private static byte[] png(SyntheticFleet.Scene scene) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(scene.image(), "png", out);
    return out.toByteArray();
  }
}
