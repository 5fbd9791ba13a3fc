package dev.allspark.schemas.labels;

import java.util.List;

/**
 * The classes a model predicts, with their display colours, and the label value meaning "void"
 * (ignored in losses and metrics).
 *
 * @param id class-set version carried by label masks, e.g. {@code camvid-11}
 */
public record ClassSet(String id, List<String> names, List<int[]> colors, int voidLabel) {

  /** CamVid's 11 classes (SegNet release), void = 11. */
  public static final ClassSet CAMVID =
      new ClassSet(
          "camvid-11",
          List.of(
              "Sky",
              "Building",
              "Pole",
              "Road",
              "Sidewalk",
              "Tree",
              "SignSymbol",
              "Fence",
              "Car",
              "Pedestrian",
              "Bicyclist"),
          List.of(
              new int[] {128, 128, 128},
              new int[] {128, 0, 0},
              new int[] {192, 192, 128},
              new int[] {128, 64, 128},
              new int[] {0, 0, 192},
              new int[] {128, 128, 0},
              new int[] {192, 128, 128},
              new int[] {64, 64, 128},
              new int[] {64, 0, 128},
              new int[] {64, 64, 0},
              new int[] {0, 128, 192}),
          11);

  public ClassSet {
    if (names.size() != colors.size()) {
      throw new IllegalArgumentException(
          names.size() + " class names but " + colors.size() + " colours");
    }
    if (voidLabel >= 0 && voidLabel < names.size()) {
      throw new IllegalArgumentException(
          "void label " + voidLabel + " collides with class " + names.get(voidLabel));
    }
  }

  public int size() {
    return names.size();
  }

  /** True for values that are ignored: the void label and anything outside the classes. */
  public boolean ignored(int label) {
    return label < 0 || label >= names.size();
  }
}
