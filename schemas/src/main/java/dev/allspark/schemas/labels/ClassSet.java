package dev.allspark.schemas.labels;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The classes a model predicts, with their display colours, the label value meaning "void" (ignored
 * in losses and metrics), and optionally how a dataset's raw label ids map to them (Cityscapes'
 * {@code *_gtFine_labelIds.png} hold 34 label ids, of which 19 are trained). Chosen per deployment
 * by name ({@link #named}: {@code camvid}, {@code cityscapes}) or as a JSON file; recorded in every
 * checkpoint, mask and segmentation by its {@link #id}.
 *
 * @param id class-set version carried by label masks, e.g. {@code camvid-11}
 * @param rawToTrain raw label id (0-255) to class id or the void label, or null when the raw ids
 *     are the class ids
 */
public record ClassSet(
    String id, List<String> names, List<int[]> colors, int voidLabel, int[] rawToTrain) {

  /** Display colours written as hex RGB separated by spaces: {@code "808080 800000"}. */
  public static List<int[]> colors(String hex) {
    List<int[]> out = new ArrayList<>();
    for (String c : hex.strip().split("\\s+")) {
      int rgb = Integer.parseInt(c, 16);
      out.add(new int[] {rgb >> 16, (rgb >> 8) & 0xff, rgb & 0xff});
    }
    return out;
  }

  /** A class set whose raw label ids are its class ids. */
  public ClassSet(String id, List<String> names, List<int[]> colors, int voidLabel) {
    this(id, names, colors, voidLabel, null);
  }

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
          colors(
              "808080 800000 c0c080 804080 0000c0 808000 c08080 404080 " + "400080 404000 0080c0"),
          11);

  /**
   * Cityscapes' 19 training classes (trainIds), their palette, void = 255, and the labelIds ->
   * trainIds mapping of the official {@code cityscapesscripts/helpers/labels.py}: 7 road, 8
   * sidewalk, 11 building, 12 wall, 13 fence, 17 pole, 19 traffic light, 20 traffic sign, 21
   * vegetation, 22 terrain, 23 sky, 24 person, 25 rider, 26 car, 27 truck, 28 bus, 31 train, 32
   * motorcycle, 33 bicycle; every other id (unlabeled, ego vehicle, rectification border, out of
   * roi, static, dynamic, ground, parking, rail track, guard rail, bridge, tunnel, polegroup,
   * caravan, trailer, license plate) is void.
   */
  public static final ClassSet CITYSCAPES =
      new ClassSet(
          "cityscapes-19",
          List.of(
              "road",
              "sidewalk",
              "building",
              "wall",
              "fence",
              "pole",
              "traffic light",
              "traffic sign",
              "vegetation",
              "terrain",
              "sky",
              "person",
              "rider",
              "car",
              "truck",
              "bus",
              "train",
              "motorcycle",
              "bicycle"),
          colors(
              "804080 f423e8 464646 66669c be9999 999999 faaa1e dcdc00 "
                  + "6b8e23 98fb98 4682b4 dc143c ff0000 00008e 000046 003c64 "
                  + "005064 0000e6 770b20"),
          255,
          mapping(
              255,
              Map.ofEntries(
                  Map.entry(7, 0),
                  Map.entry(8, 1),
                  Map.entry(11, 2),
                  Map.entry(12, 3),
                  Map.entry(13, 4),
                  Map.entry(17, 5),
                  Map.entry(19, 6),
                  Map.entry(20, 7),
                  Map.entry(21, 8),
                  Map.entry(22, 9),
                  Map.entry(23, 10),
                  Map.entry(24, 11),
                  Map.entry(25, 12),
                  Map.entry(26, 13),
                  Map.entry(27, 14),
                  Map.entry(28, 15),
                  Map.entry(31, 16),
                  Map.entry(32, 17),
                  Map.entry(33, 18))));

  /** The built-in names {@link #named} knows. */
  public static final List<String> BUILT_IN = List.of("camvid", "cityscapes");

  public ClassSet {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("a class set needs an id, e.g. mine-7");
    }
    if (names.size() < 2 || names.size() > 250) {
      throw new IllegalArgumentException(
          "class set " + id + ": 2 to 250 classes, got " + names.size());
    }
    if (rawToTrain != null) {
      if (rawToTrain.length != 256) {
        throw new IllegalArgumentException(
            "class set " + id + ": the raw-id mapping must cover 0..255");
      }
      for (int r = 0; r < 256; r++) {
        int t = rawToTrain[r];
        if (t != voidLabel && (t < 0 || t >= names.size())) {
          throw new IllegalArgumentException(
              "class set " + id + ": raw id " + r + " maps to " + t + ", not a class nor void");
        }
      }
      rawToTrain = rawToTrain.clone();
    }
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

  /** The class id of the class with this name (case ignored), or an error naming the set's. */
  public int index(String name) {
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).equalsIgnoreCase(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "class set " + id + " has no class '" + name + "': it has " + names);
  }

  /** True for values that are ignored: the void label and anything outside the classes. */
  public boolean ignored(int label) {
    return label < 0 || label >= names.size();
  }

  /** The class id (or void) of a dataset's raw label id: the mapping, or the id itself. */
  public int train(int raw) {
    return rawToTrain == null ? raw : rawToTrain[raw & 0xff];
  }

  /** The same classes, colours and void (what a checkpoint or a mask must agree on). */
  public boolean sameClasses(ClassSet o) {
    if (!id.equals(o.id) || !names.equals(o.names) || voidLabel != o.voidLabel) {
      return false;
    }
    for (int i = 0; i < colors.size(); i++) {
      if (!Arrays.equals(colors.get(i), o.colors.get(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * A class set by name ({@code camvid}, {@code camvid-11}, {@code cityscapes}, {@code
   * cityscapes-19}) or from a JSON file:
   *
   * <pre>
   * {"id": "depot-4", "void": 255,
   *  "classes": [{"name": "floor", "color": "#804080"}, {"name": "shelf", "color": "#f0a000"}, ...],
   *  "rawToTrain": {"0": 255, "7": 0, "9": 1}}
   * </pre>
   *
   * ({@code rawToTrain} optional; raw ids it does not list become void.)
   *
   * @param setting the option that named it, for messages
   */
  public static ClassSet named(String nameOrFile, String setting) {
    String n = nameOrFile == null ? "" : nameOrFile.strip();
    switch (n.toLowerCase(Locale.ROOT)) {
      case "", "camvid", "camvid-11" -> {
        return CAMVID;
      }
      case "cityscapes", "cityscapes-19" -> {
        return CITYSCAPES;
      }
      default -> {
        return file(Path.of(n), setting);
      }
    }
  }

  private static ClassSet file(Path file, String setting) {
    String where = setting + " " + file;
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          where + ": neither a built-in class set " + BUILT_IN + " nor a readable JSON file");
    }
    try {
      JsonNode o = new ObjectMapper().readTree(Files.readString(file));
      if (o == null || !o.path("id").isTextual() || !o.path("classes").isArray()) {
        throw new IllegalArgumentException(where + ": needs \"id\" (text) and \"classes\"");
      }
      String id = o.path("id").asText();
      int voidLabel = o.path("void").asInt(255);
      List<String> names = new ArrayList<>();
      List<int[]> colors = new ArrayList<>();
      for (JsonNode c : o.path("classes")) {
        names.add(c.path("name").asText());
        String hex = c.path("color").asText("");
        if (!hex.matches("#[0-9a-fA-F]{6}")) {
          throw new IllegalArgumentException(
              where
                  + ": class '"
                  + c.path("name").asText()
                  + "' has colour '"
                  + hex
                  + "', expected #rrggbb");
        }
        int rgb = Integer.parseInt(hex.substring(1), 16);
        colors.add(new int[] {rgb >> 16, (rgb >> 8) & 0xff, rgb & 0xff});
      }
      int[] raw = null;
      if (o.has("rawToTrain")) {
        Map<Integer, Integer> m = new java.util.HashMap<>();
        var it = o.path("rawToTrain").fields();
        while (it.hasNext()) {
          var e = it.next();
          m.put(Integer.parseInt(e.getKey()), e.getValue().asInt());
        }
        raw = mapping(voidLabel, m);
      }
      return new ClassSet(id, List.copyOf(names), List.copyOf(colors), voidLabel, raw);
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException && e.getMessage().startsWith(where)) {
        throw (IllegalArgumentException) e;
      }
      throw new IllegalArgumentException(
          where
              + ": not a class set file ({\"id\", \"void\", \"classes\": [{\"name\","
              + " \"color\": \"#rrggbb\"}], \"rawToTrain\"}): "
              + e.getMessage(),
          e);
    }
  }

  private static int[] mapping(int voidLabel, Map<Integer, Integer> m) {
    int[] raw = new int[256];
    Arrays.fill(raw, voidLabel);
    m.forEach(
        (k, v) -> {
          if (k < 0 || k > 255) {
            throw new IllegalArgumentException("raw label id " + k + " is outside 0..255");
          }
          raw[k] = v;
        });
    return raw;
  }
}
