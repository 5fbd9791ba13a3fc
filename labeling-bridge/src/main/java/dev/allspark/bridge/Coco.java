package dev.allspark.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.schemas.labels.LabelMaps;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Masks in the COCO exchange format, for teams that label in another tool (CVAT, Label Studio, ...
 * all read and write it): one image per frame ({@code file_name} = the frame id), one category per
 * class ({@code id} = class id + 1, COCO keeping 0 for "nothing"; {@code name} = the class name),
 * one annotation per class present, its {@code segmentation} a run-length encoding ({@code {"size":
 * [h, w], "counts": ...}}, column-major, starting with a run of zeros). Export writes compressed
 * RLE strings (pycocotools' {@code rleToString} encoding); import reads compressed and uncompressed
 * RLE and polygons. Pixels no annotation covers are void; a later annotation wins where two
 * overlap. Categories are matched to classes by name.
 *
 * <p>Why some 350 lines: the format both ways (export and import must agree on the category ids,
 * the column-major order and the RLE string encoding, so they live side by side) plus the three
 * segmentation forms an import meets (compressed and uncompressed RLE, polygons).
 */
final class Coco {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Coco() {}

  /** A frame to export: its id, a mask of class ids, and the model version it came from. */
  record Item(String frameId, LabelMaps.LabelMap mask, long modelVersion) {}

  /** A mask read from a COCO file, for the image named {@code fileName}. */
  record Read(String fileName, LabelMaps.LabelMap mask) {}

  /** Thrown for a COCO file that cannot be read as masks of the class set; says where. */
  static final class BadCoco extends Exception {
    BadCoco(String message) {
      super(message);
    }
  }

  static Map<String, Object> export(List<Item> items, ClassSet classes) {
    List<Object> images = new ArrayList<>();
    List<Object> annotations = new ArrayList<>();
    List<Object> categories = new ArrayList<>();
    for (int c = 0; c < classes.size(); c++) {
      Map<String, Object> cat = new LinkedHashMap<>(); // a stable order: diffs stay readable
      cat.put("id", c + 1);
      cat.put("name", classes.names().get(c));
      cat.put("supercategory", "");
      categories.add(cat);
    }
    int imageId = 0;
    int annId = 0;
    for (Item it : items) {
      imageId++;
      LabelMaps.LabelMap m = it.mask();
      Map<String, Object> image = new LinkedHashMap<>();
      image.put("id", imageId);
      image.put("file_name", it.frameId());
      image.put("width", m.width());
      image.put("height", m.height());
      image.put("allspark_model_version", it.modelVersion());
      images.add(image);
      for (int c = 0; c < classes.size(); c++) {
        long[] counts = rle(m, c);
        if (counts.length < 2) {
          continue; // no pixel of the class
        }
        int[] box = bbox(m, c);
        long area = 0;
        for (int i = 1; i < counts.length; i += 2) {
          area += counts[i];
        }
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("id", ++annId);
        a.put("image_id", imageId);
        a.put("category_id", c + 1);
        a.put("segmentation", rleJson(m, counts));
        a.put("area", area);
        a.put("bbox", List.of(box[0], box[1], box[2] - box[0] + 1, box[3] - box[1] + 1));
        a.put("iscrowd", 1);
        annotations.add(a);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("description", "AllSpark Stream label requests with the model's masks");
    info.put("classes", classes.id());
    out.put("info", info);
    out.put("images", images);
    out.put("categories", categories);
    out.put("annotations", annotations);
    return out;
  }

  private static Map<String, Object> rleJson(LabelMaps.LabelMap m, long[] counts) {
    Map<String, Object> rle = new LinkedHashMap<>();
    rle.put("size", List.of(m.height(), m.width()));
    rle.put("counts", toCompressed(counts));
    return rle;
  }

  static List<Read> read(byte[] json, ClassSet classes) throws BadCoco {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new BadCoco("not JSON: " + e.getMessage());
    }
    if (root == null || !root.path("images").isArray()) {
      throw new BadCoco("a COCO file has an array \"images\"");
    }
    Map<Integer, Integer> classOf = new HashMap<>();
    Map<String, Integer> byName = new HashMap<>();
    for (int c = 0; c < classes.size(); c++) {
      byName.put(classes.names().get(c).toLowerCase(Locale.ROOT), c);
    }
    for (JsonNode cat : root.path("categories")) {
      String name = cat.path("name").asText("");
      Integer c = byName.get(name.toLowerCase(Locale.ROOT));
      if (c == null) {
        throw new BadCoco(
            "category '"
                + name
                + "' (id "
                + cat.path("id").asText()
                + ") is not a class of "
                + classes.id()
                + " "
                + classes.names());
      }
      classOf.put(cat.path("id").asInt(), c);
    }
    Map<Integer, byte[]> idsOf = new LinkedHashMap<>();
    Map<Integer, JsonNode> imageOf = new HashMap<>();
    for (JsonNode im : root.path("images")) {
      int w = im.path("width").asInt(0);
      int h = im.path("height").asInt(0);
      if (w <= 0 || h <= 0 || (long) w * h > 64L << 20) {
        throw new BadCoco("image " + im.path("id").asText() + " has no valid width and height");
      }
      byte[] ids = new byte[w * h];
      java.util.Arrays.fill(ids, (byte) classes.voidLabel());
      idsOf.put(im.path("id").asInt(), ids);
      imageOf.put(im.path("id").asInt(), im);
    }
    for (JsonNode a : root.path("annotations")) {
      String where = "annotation " + a.path("id").asText();
      JsonNode im = imageOf.get(a.path("image_id").asInt());
      if (im == null) {
        throw new BadCoco(where + ": image_id " + a.path("image_id").asText() + " is not listed");
      }
      Integer c = classOf.get(a.path("category_id").asInt());
      if (c == null) {
        throw new BadCoco(
            where + ": category_id " + a.path("category_id").asText() + " is not listed");
      }
      int w = im.path("width").asInt();
      int h = im.path("height").asInt();
      byte[] ids = idsOf.get(a.path("image_id").asInt());
      JsonNode seg = a.path("segmentation");
      if (seg.isArray()) {
        polygons(seg, w, h, ids, c, where);
      } else if (seg.isObject()) {
        JsonNode size = seg.path("size");
        if (size.size() != 2 || size.get(0).asInt() != h || size.get(1).asInt() != w) {
          throw new BadCoco(
              where + ": RLE size " + size + " is not the image's [" + h + ", " + w + "]");
        }
        JsonNode counts = seg.path("counts");
        long[] runs;
        if (counts.isTextual()) {
          runs = fromCompressed(counts.asText(), where);
        } else if (counts.isArray()) {
          runs = new long[counts.size()];
          for (int i = 0; i < runs.length; i++) {
            runs[i] = counts.get(i).asLong();
          }
        } else {
          throw new BadCoco(where + ": RLE counts must be a string or an array");
        }
        paintRle(runs, w, h, ids, c, where);
      } else {
        throw new BadCoco(where + ": segmentation must be polygons or RLE");
      }
    }
    List<Read> out = new ArrayList<>();
    for (var e : idsOf.entrySet()) {
      JsonNode im = imageOf.get(e.getKey());
      out.add(
          new Read(
              im.path("file_name").asText(),
              new LabelMaps.LabelMap(
                  im.path("width").asInt(), im.path("height").asInt(), e.getValue())));
    }
    return out;
  }

  /** COCO's uncompressed RLE of one class: column-major runs, starting with a run of others. */
  static long[] rle(LabelMaps.LabelMap m, int cls) {
    List<Long> runs = new ArrayList<>();
    boolean inside = false;
    long run = 0;
    for (int x = 0; x < m.width(); x++) {
      for (int y = 0; y < m.height(); y++) {
        boolean hit = (m.ids()[y * m.width() + x] & 0xff) == cls;
        if (hit != inside) {
          runs.add(run);
          run = 0;
          inside = hit;
        }
        run++;
      }
    }
    runs.add(run);
    if (runs.size() == 1) {
      return new long[] {runs.get(0)};
    }
    return runs.stream().mapToLong(Long::longValue).toArray();
  }

  /** pycocotools' compressed RLE string: deltas (from the run two back), 5 bits per char. */
  static String toCompressed(long[] counts) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < counts.length; i++) {
      long x = counts[i];
      if (i > 2) {
        x -= counts[i - 2];
      }
      boolean more = true;
      while (more) {
        long c = x & 0x1f;
        x >>= 5;
        more = (c & 0x10) != 0 ? x != -1 : x != 0;
        if (more) {
          c |= 0x20;
        }
        s.append((char) (c + 48));
      }
    }
    return s.toString();
  }

  static long[] fromCompressed(String s, String where) throws BadCoco {
    List<Long> counts = new ArrayList<>();
    int p = 0;
    while (p < s.length()) {
      long x = 0;
      int k = 0;
      boolean more = true;
      while (more) {
        if (p >= s.length()) {
          throw new BadCoco(where + ": RLE string ends inside a number");
        }
        int c = s.charAt(p) - 48;
        if (c < 0 || c > 63) {
          throw new BadCoco(where + ": RLE string has the character '" + s.charAt(p) + "'");
        }
        x |= (long) (c & 0x1f) << (5 * k);
        more = (c & 0x20) != 0;
        p++;
        k++;
        if (!more && (c & 0x10) != 0) {
          x |= -1L << (5 * k);
        }
      }
      int m = counts.size();
      if (m > 2) {
        x += counts.get(m - 2);
      }
      counts.add(x);
    }
    return counts.stream().mapToLong(Long::longValue).toArray();
  }

  private static void paintRle(long[] runs, int w, int h, byte[] ids, int cls, String where)
      throws BadCoco {
    long total = 0;
    for (long r : runs) {
      if (r < 0) {
        throw new BadCoco(where + ": negative RLE run");
      }
      total += r;
    }
    if (total != (long) w * h) {
      throw new BadCoco(where + ": RLE runs cover " + total + " pixels, the image has " + w * h);
    }
    long pos = 0;
    for (int i = 0; i < runs.length; i++) {
      if (i % 2 == 1) {
        for (long j = pos; j < pos + runs[i]; j++) {
          int x = (int) (j / h);
          int y = (int) (j % h);
          ids[y * w + x] = (byte) cls;
        }
      }
      pos += runs[i];
    }
  }

  private static void polygons(JsonNode seg, int w, int h, byte[] ids, int cls, String where)
      throws BadCoco {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
    g.setColor(Color.WHITE);
    for (JsonNode poly : seg) {
      if (!poly.isArray() || poly.size() < 6 || poly.size() % 2 != 0) {
        throw new BadCoco(where + ": a polygon is a list of 3 or more x, y pairs");
      }
      Path2D.Double p = new Path2D.Double();
      p.moveTo(poly.get(0).asDouble(), poly.get(1).asDouble());
      for (int i = 2; i < poly.size(); i += 2) {
        p.lineTo(poly.get(i).asDouble(), poly.get(i + 1).asDouble());
      }
      p.closePath();
      g.fill(p);
    }
    g.dispose();
    byte[] filled = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
    for (int i = 0; i < ids.length; i++) {
      if (filled[i] != 0) {
        ids[i] = (byte) cls;
      }
    }
  }

  private static int[] bbox(LabelMaps.LabelMap m, int cls) {
    int x0 = Integer.MAX_VALUE;
    int y0 = Integer.MAX_VALUE;
    int x1 = -1;
    int y1 = -1;
    for (int y = 0; y < m.height(); y++) {
      for (int x = 0; x < m.width(); x++) {
        if ((m.ids()[y * m.width() + x] & 0xff) == cls) {
          x0 = Math.min(x0, x);
          y0 = Math.min(y0, y);
          x1 = Math.max(x1, x);
          y1 = Math.max(y1, y);
        }
      }
    }
    return new int[] {x0, y0, x1, y1};
  }
}
