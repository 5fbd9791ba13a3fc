package dev.allspark.ingest;

import dev.allspark.schemas.labels.ClassSet;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Procedurally drawn street scenes with an exact label map in the 11 CamVid classes: sky,
 * buildings, road with lane marks, sidewalks, trees, poles, signs, fences, cars, pedestrians and
 * cyclists, with varying layout, lighting and weather. Every shape is drawn twice, once in colour
 * and once with its class id into the label map, without anti-aliasing, so the labels are exact.
 * The same seed and index give the same bytes.
 *
 * <p>Why some 320 lines: one drawing, class by class (sky, buildings, road, ... cyclists), each
 * painting the image and the label map together from the same scene parameters; the drawing helpers
 * share that pair of canvases and the scene's random draws, which a split would pass around.
 */
public final class SyntheticFleet {
  // the CamVid class ids it draws, by the class set's names
  public static final int SKY = ClassSet.CAMVID.index("Sky");
  public static final int BUILDING = ClassSet.CAMVID.index("Building");
  public static final int POLE = ClassSet.CAMVID.index("Pole");
  public static final int ROAD = ClassSet.CAMVID.index("Road");
  public static final int SIDEWALK = ClassSet.CAMVID.index("Sidewalk");
  public static final int TREE = ClassSet.CAMVID.index("Tree");
  public static final int SIGN = ClassSet.CAMVID.index("SignSymbol");
  public static final int FENCE = ClassSet.CAMVID.index("Fence");
  public static final int CAR = ClassSet.CAMVID.index("Car");
  public static final int PEDESTRIAN = ClassSet.CAMVID.index("Pedestrian");
  public static final int BICYCLIST = ClassSet.CAMVID.index("Bicyclist");

  /** One drawn object, in drawing order (later ones cover earlier ones). */
  public record DrawnObject(int classId, Shape shape) {}

  /** A scene: the image, its label map (class per pixel, row-major) and what was drawn. */
  public record Scene(
      BufferedImage image, int[] labels, List<DrawnObject> objects, String weather) {}

  private final long seed;
  private final int width;
  private final int height;

  public SyntheticFleet(long seed, int width, int height) {
    if (width < 32 || height < 32) {
      throw new IllegalArgumentException(
          "scenes need at least 32x32 pixels, got " + width + "x" + height);
    }
    this.seed = seed;
    this.width = width;
    this.height = height;
  }

  /** Scene {@code index} of camera {@code camera}: a camera's scenes drift slowly, like a drive. */
  public Scene scene(int camera, long index) {
    Random layout = new Random(seed * 1_000_003L + camera * 7919L + index / 25);
    Random detail = new Random(seed * 31L + camera * 1_000_033L + index);
    Painter p = new Painter(width, height);
    double light = 0.55 + 0.6 * layout.nextDouble(); // dusk .. bright noon
    String weather =
        switch (layout.nextInt(4)) {
          case 0 -> "fog";
          case 1 -> "rain";
          default -> "clear";
        };
    int w = width;
    int h = height;
    int horizon = (int) (h * (0.35 + 0.15 * layout.nextDouble()));
    // sky
    p.fill(SKY, new Rectangle2D.Double(0, 0, w, h), tint(new Color(120, 170, 235), light));
    // buildings along the horizon
    int x = -layout.nextInt(20);
    while (x < w) {
      int bw = w / 8 + layout.nextInt(w / 5);
      int top = (int) (horizon * (0.1 + 0.6 * layout.nextDouble()));
      Color wall =
          tint(
              new Color(110 + layout.nextInt(90), 90 + layout.nextInt(60), 70 + layout.nextInt(60)),
              light);
      p.fill(BUILDING, new Rectangle2D.Double(x, top, bw, horizon - top + 2), wall);
      // windows are part of the building
      for (int wy = top + 4; wy < horizon - 6; wy += 9) {
        for (int wx = x + 3; wx < x + bw - 6; wx += 8) {
          p.paintOnly(new Rectangle2D.Double(wx, wy, 4, 5), tint(new Color(60, 70, 90), light));
        }
      }
      x += bw + layout.nextInt(6);
    }
    // ground: sidewalks either side, road in the middle (perspective trapezoids)
    int vanish = w / 2 + (int) ((layout.nextDouble() - 0.5) * w * 0.3);
    p.fill(
        SIDEWALK,
        new Rectangle2D.Double(0, horizon, w, h - horizon),
        tint(new Color(160, 150, 140), light));
    Polygon road =
        new Polygon(
            new int[] {vanish - w / 40, vanish + w / 40, w + w / 6, -w / 6},
            new int[] {horizon, horizon, h, h},
            4);
    p.fill(ROAD, road, tint(new Color(85, 85, 90), light));
    // lane marks: dashes along the centre line, still road
    for (int i = 0; i < 6; i++) {
      double t0 = (i + (index % 2) * 0.5) / 6.0;
      double t1 = t0 + 0.07;
      int y0 = horizon + (int) (t0 * t0 * (h - horizon));
      int y1 = horizon + (int) (Math.min(1, t1) * Math.min(1, t1) * (h - horizon));
      int half0 = 1 + (int) (t0 * w / 80);
      int half1 = 1 + (int) (t1 * w / 80);
      int cx0 = vanish + (int) ((w / 2.0 - vanish) * t0 * 0.2);
      Polygon dash =
          new Polygon(
              new int[] {cx0 - half0, cx0 + half0, cx0 + half1, cx0 - half1},
              new int[] {y0, y0, y1, y1},
              4);
      p.paintOnly(dash, tint(new Color(230, 230, 220), light));
    }
    // fence on one side
    if (layout.nextBoolean()) {
      int fx = layout.nextBoolean() ? 0 : w - w / 4;
      int fy = horizon + (h - horizon) / 6;
      Rectangle2D fence = new Rectangle2D.Double(fx, fy - h / 10.0, w / 4.0, h / 10.0);
      p.fill(FENCE, fence, tint(new Color(140, 110, 80), light));
      for (int bx = fx + 2; bx < fx + w / 4; bx += 5) {
        p.paintOnly(
            new Rectangle2D.Double(bx, fy - h / 10.0, 2, h / 10.0),
            tint(new Color(100, 80, 60), light));
      }
    }
    // trees, poles with signs
    int trees = 1 + layout.nextInt(3);
    for (int i = 0; i < trees; i++) {
      int tx = layout.nextInt(w);
      int base = horizon + layout.nextInt(Math.max(1, (h - horizon) / 4));
      int r = h / 14 + layout.nextInt(h / 10);
      p.fill(
          TREE, new Rectangle2D.Double(tx - 2, base - r, 4, r), tint(new Color(90, 60, 30), light));
      p.fill(
          TREE,
          new Ellipse2D.Double(tx - r, base - 2.6 * r, 2 * r, 2 * r),
          tint(new Color(40, 120 + layout.nextInt(60), 40), light));
    }
    int poles = layout.nextInt(3);
    for (int i = 0; i < poles; i++) {
      int px = layout.nextBoolean() ? layout.nextInt(w / 4) : w - layout.nextInt(w / 4);
      int base = horizon + (h - horizon) / 3 + layout.nextInt(Math.max(1, (h - horizon) / 3));
      int ph = (base - horizon) + h / 6;
      p.fill(
          POLE,
          new Rectangle2D.Double(px - 1.5, base - ph, 3, ph),
          tint(new Color(120, 120, 125), light));
      if (layout.nextBoolean()) {
        p.fill(
            SIGN,
            new Ellipse2D.Double(px - h / 30.0 - 1, base - ph - h / 30.0, h / 15.0, h / 15.0),
            tint(new Color(200, 30, 30), light));
      } else {
        p.fill(
            SIGN,
            new Rectangle2D.Double(px - h / 25.0, base - ph, h / 12.5, h / 20.0),
            tint(new Color(30, 80, 200), light));
      }
    }
    // road users, far to near so nearer ones cover farther ones
    int users = 2 + detail.nextInt(5);
    List<double[]> placed = new ArrayList<>();
    for (int i = 0; i < users; i++) {
      placed.add(new double[] {detail.nextDouble(), detail.nextInt(10), detail.nextDouble()});
    }
    placed.sort((a, b) -> Double.compare(a[0], b[0]));
    for (double[] u : placed) {
      double depth = 0.15 + 0.85 * u[0]; // 0 far .. 1 near
      int y = horizon + (int) (depth * depth * (h - horizon));
      double scale = depth * h / 5.0;
      int cx = (int) (u[2] * w);
      int kind = (int) u[1];
      if (kind < 5) {
        double cw = scale * 1.8;
        double ch = scale * 0.9;
        p.fill(
            CAR,
            new RoundRectangle2D.Double(cx - cw / 2, y - ch, cw, ch * 0.85, ch / 3, ch / 3),
            tint(
                new Color(
                    40 + detail.nextInt(200), 40 + detail.nextInt(200), 40 + detail.nextInt(200)),
                light));
        p.fill(
            CAR,
            new Ellipse2D.Double(cx - cw / 2 + cw * 0.1, y - ch * 0.35, ch * 0.35, ch * 0.35),
            tint(new Color(20, 20, 20), light));
        p.fill(
            CAR,
            new Ellipse2D.Double(
                cx + cw / 2 - cw * 0.1 - ch * 0.35, y - ch * 0.35, ch * 0.35, ch * 0.35),
            tint(new Color(20, 20, 20), light));
      } else if (kind < 8) {
        double ph = scale * 1.3;
        Color cloth =
            tint(new Color(detail.nextInt(200), detail.nextInt(200), detail.nextInt(200)), light);
        Area person =
            new Area(new Rectangle2D.Double(cx - ph * 0.12, y - ph * 0.8, ph * 0.24, ph * 0.8));
        person.add(new Area(new Ellipse2D.Double(cx - ph * 0.1, y - ph, ph * 0.2, ph * 0.2)));
        p.fill(PEDESTRIAN, person, cloth);
      } else {
        double bh = scale * 1.2;
        Area rider =
            new Area(new Ellipse2D.Double(cx - bh * 0.55, y - bh * 0.35, bh * 0.35, bh * 0.35));
        rider.add(
            new Area(new Ellipse2D.Double(cx + bh * 0.2, y - bh * 0.35, bh * 0.35, bh * 0.35)));
        rider.add(
            new Area(new Rectangle2D.Double(cx - bh * 0.1, y - bh * 0.95, bh * 0.2, bh * 0.6)));
        rider.add(
            new Area(new Ellipse2D.Double(cx - bh * 0.09, y - bh * 1.12, bh * 0.18, bh * 0.18)));
        p.fill(BICYCLIST, rider, tint(new Color(200, 160, 40), light));
      }
    }
    // weather on the image only: it changes what the camera sees, not what is there
    if (weather.equals("fog")) {
      p.fog(horizon, 0.35 + 0.3 * layout.nextDouble());
    } else if (weather.equals("rain")) {
      p.rain(detail, 60 + detail.nextInt(80));
    }
    p.noise(detail, 6);
    return new Scene(p.image, p.labels(), List.copyOf(p.objects), weather);
  }

  private static Color tint(Color c, double light) {
    return new Color(
        clamp(c.getRed() * light), clamp(c.getGreen() * light), clamp(c.getBlue() * light));
  }

  private static int clamp(double v) {
    return (int) Math.max(0, Math.min(255, Math.round(v)));
  }

  /** Draws into the image and the label map together. */
  private static final class Painter {
    final BufferedImage image;
    final BufferedImage labelMap;
    final Graphics2D g;
    final Graphics2D l;
    final List<DrawnObject> objects = new ArrayList<>();

    Painter(int w, int h) {
      image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      // RGB, not gray: a gray image would gamma-convert the class ids
      labelMap = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      g = image.createGraphics();
      l = labelMap.createGraphics();
      for (Graphics2D x : new Graphics2D[] {g, l}) {
        x.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
        x.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      }
    }

    void fill(int classId, Shape shape, Color color) {
      g.setColor(color);
      g.fill(shape);
      l.setColor(new Color(classId, classId, classId));
      l.fill(shape);
      objects.add(new DrawnObject(classId, shape));
    }

    /** Detail that belongs to the object underneath (windows, lane marks, fence bars). */
    void paintOnly(Shape shape, Color color) {
      g.setColor(color);
      g.fill(shape);
    }

    void fog(int horizon, double strength) {
      int w = image.getWidth();
      int h = image.getHeight();
      for (int y = 0; y < h; y++) {
        double a = strength * (1 - Math.min(1, Math.abs(y - horizon) / (double) h));
        for (int x = 0; x < w; x++) {
          int rgb = image.getRGB(x, y);
          int r = (int) (((rgb >> 16) & 0xff) * (1 - a) + 200 * a);
          int gg = (int) (((rgb >> 8) & 0xff) * (1 - a) + 200 * a);
          int b = (int) ((rgb & 0xff) * (1 - a) + 205 * a);
          image.setRGB(x, y, (r << 16) | (gg << 8) | b);
        }
      }
    }

    void rain(Random rng, int drops) {
      g.setColor(new Color(190, 190, 210));
      for (int i = 0; i < drops; i++) {
        int x = rng.nextInt(image.getWidth());
        int y = rng.nextInt(image.getHeight());
        g.drawLine(x, y, x - 1, y + 4);
      }
    }

    void noise(Random rng, int amplitude) {
      int w = image.getWidth();
      int h = image.getHeight();
      int[] px = image.getRGB(0, 0, w, h, null, 0, w);
      for (int i = 0; i < px.length; i++) {
        int n = rng.nextInt(2 * amplitude + 1) - amplitude;
        int r = Math.max(0, Math.min(255, ((px[i] >> 16) & 0xff) + n));
        int gg = Math.max(0, Math.min(255, ((px[i] >> 8) & 0xff) + n));
        int b = Math.max(0, Math.min(255, (px[i] & 0xff) + n));
        px[i] = (r << 16) | (gg << 8) | b;
      }
      image.setRGB(0, 0, w, h, px, 0, w);
    }

    int[] labels() {
      g.dispose();
      l.dispose();
      int w = labelMap.getWidth();
      int[] out = labelMap.getRGB(0, 0, w, labelMap.getHeight(), null, 0, w);
      for (int i = 0; i < out.length; i++) {
        out[i] &= 0xff;
      }
      return out;
    }
  }
}
