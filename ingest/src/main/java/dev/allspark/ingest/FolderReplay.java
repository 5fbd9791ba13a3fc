package dev.allspark.ingest;

import dev.allspark.schemas.ImageEncoding;
import dev.allspark.schemas.images.FrameRules;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Replays a folder of frames as a fleet. CamVid layout: {@code <sequence>_<frame>.png} in one
 * folder; Cityscapes layout: {@code <city>/<city>_<seq>_<frame>_leftImg8bit.png}. Each sequence is
 * the camera of a vehicle; frames are in time order by name. Frames of all cameras interleave by
 * their capture time ({@code index / fps}), so every camera plays at {@code fps}.
 */
public final class FolderReplay {
  private static final Pattern CAMVID = Pattern.compile("(.+)_([A-Za-z]*\\d+)\\.png");
  private static final Pattern CITYSCAPES =
      Pattern.compile("(\\w+)_(\\d+)_(\\d+)_leftImg8bit\\.png");

  /** One camera: a sequence of files in time order. */
  public record Camera(String vehicleId, String cameraId, List<Path> files) {}

  private final List<Camera> cameras;
  private final boolean jpeg;
  private final double fps;

  private FolderReplay(List<Camera> cameras, double fps, boolean jpeg) {
    this.cameras = cameras;
    this.fps = fps;
    this.jpeg = jpeg;
  }

  /**
   * @param dir a CamVid-layout folder (PNG files directly inside) or a Cityscapes-layout one (one
   *     folder per city)
   * @param start frames skipped at the start of every camera
   */
  public static FolderReplay open(Path dir, double fps, int start, boolean jpeg)
      throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("--folder " + dir + " is not a folder");
    }
    if (!(fps > 0)) {
      throw new IllegalArgumentException("--fps must be > 0, got " + fps);
    }
    Map<String, List<Path>> sequences = new LinkedHashMap<>();
    try (Stream<Path> files = Files.walk(dir, 2)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        String name = f.getFileName().toString();
        Matcher city = CITYSCAPES.matcher(name);
        Matcher camvid = CAMVID.matcher(name);
        String key;
        if (city.matches()) {
          key = city.group(1) + "_" + city.group(2);
        } else if (camvid.matches() && f.getParent().equals(dir)) {
          key = camvid.group(1);
        } else {
          continue;
        }
        sequences.computeIfAbsent(key, k -> new ArrayList<>()).add(f);
      }
    }
    if (sequences.isEmpty()) {
      throw new IllegalArgumentException(
          dir
              + " holds no frames in CamVid (<sequence>_<frame>.png) or Cityscapes"
              + " (<city>/<city>_<seq>_<frame>_leftImg8bit.png) layout");
    }
    List<Camera> cameras = new ArrayList<>();
    for (Map.Entry<String, List<Path>> e : sequences.entrySet()) {
      List<Path> files = new ArrayList<>(e.getValue());
      files.sort(Comparator.comparing(p -> p.getFileName().toString()));
      if (start >= files.size()) {
        continue;
      }
      cameras.add(
          new Camera("vehicle-" + e.getKey(), e.getKey(), files.subList(start, files.size())));
    }
    return new FolderReplay(cameras, fps, jpeg);
  }

  public List<Camera> cameras() {
    return cameras;
  }

  public int frameCount() {
    return cameras.stream().mapToInt(c -> c.files().size()).sum();
  }

  /**
   * The frames of one pass in capture order: frame i of every camera is captured at {@code t0 + i /
   * fps}. Each frame's id is {@code <camera>/<file name without extension>}.
   */
  public Iterator<SourceFrame> pass(long t0Millis, int passIndex) {
    int longest = cameras.stream().mapToInt(c -> c.files().size()).max().orElse(0);
    List<int[]> order = new ArrayList<>();
    for (int i = 0; i < longest; i++) {
      for (int c = 0; c < cameras.size(); c++) {
        if (i < cameras.get(c).files().size()) {
          order.add(new int[] {c, i});
        }
      }
    }
    Iterator<int[]> next = order.iterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return next.hasNext();
      }

      @Override
      public SourceFrame next() {
        int[] ci = next.next();
        Camera c = cameras.get(ci[0]);
        long capture = t0Millis + Math.round(ci[1] * 1000.0 / fps);
        return read(c, c.files().get(ci[1]), capture, passIndex);
      }
    };
  }

  private SourceFrame read(Camera c, Path file, long capture, int passIndex) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      ImageEncoding encoding = ImageEncoding.PNG;
      int[] size;
      if (!jpeg) {
        // the header is enough here: the producer checks it against the image at the edge
        size = FrameRules.headerSize(bytes);
        if (size == null) {
          size = new int[] {0, 0}; // the producer refuses it, naming its frame
        }
      } else {
        BufferedImage image = ImageIO.read(file.toFile());
        if (image == null) {
          throw new IllegalArgumentException(file + " is not a readable image");
        }
        size = new int[] {image.getWidth(), image.getHeight()};
        BufferedImage rgb =
            new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        rgb.getGraphics().drawImage(image, 0, 0, null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(rgb, "jpg", out);
        bytes = out.toByteArray();
        encoding = ImageEncoding.JPEG;
      }
      String name = file.getFileName().toString();
      String id = c.cameraId() + "/" + name.substring(0, name.lastIndexOf('.'));
      if (passIndex > 0) {
        id += "#" + passIndex;
      }
      return new SourceFrame(
          id,
          c.vehicleId(),
          c.cameraId(),
          capture,
          encoding,
          bytes,
          size[0],
          size[1],
          Map.of("source", file.toString()),
          null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
