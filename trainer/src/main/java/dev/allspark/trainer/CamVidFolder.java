package dev.allspark.trainer;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import javax.imageio.ImageIO;

/**
 * A folder in CamVid layout: {@code train/}, {@code trainannot/}, {@code val/}, {@code valannot/}
 * and {@code splits/} ({@code train.txt}, {@code val.txt}, {@code <budget>/labeled.txt} and {@code
 * unlabeled.txt}). Label maps are 8-bit grayscale PNGs of class ids.
 */
public final class CamVidFolder {
  private final Path root;

  public CamVidFolder(Path root) {
    this.root = root;
    for (String sub : List.of("train", "trainannot", "splits")) {
      if (!Files.isDirectory(root.resolve(sub))) {
        throw new IllegalArgumentException(
            "--data " + root + " is not a CamVid-layout folder: " + sub + "/ is missing");
      }
    }
  }

  public Path root() {
    return root;
  }

  /** File names of a split: {@code full} = every training frame labeled. */
  public List<String> labeledNames(String split) {
    return split.equals("full")
        ? names("splits/train.txt")
        : names("splits/" + split + "/labeled.txt");
  }

  public List<String> unlabeledNames(String split) {
    return split.equals("full")
        ? names("splits/train.txt")
        : names("splits/" + split + "/unlabeled.txt");
  }

  public List<String> valNames() {
    return names("splits/val.txt");
  }

  private List<String> names(String file) {
    Path path = root.resolve(file);
    if (!Files.exists(path)) {
      throw new IllegalArgumentException(path + " is missing (known splits: 1_4, 1_8, 1_16, full)");
    }
    try {
      return Files.readAllLines(path).stream()
          .map(String::strip)
          .filter(s -> !s.isEmpty())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Loads frames (with labels when {@code labelDir} is not null), reporting each one loaded. */
  public List<Sample> load(
      String imageDir, String labelDir, List<String> names, IntConsumer progress) {
    List<Sample> out = new ArrayList<>(names.size());
    for (String name : names) {
      RgbImage image = RgbImage.of(readImage(root.resolve(imageDir).resolve(name)));
      int[] labels = labelDir == null ? null : readLabels(root.resolve(labelDir).resolve(name));
      out.add(new Sample(name, image, labels));
      progress.accept(out.size());
    }
    return out;
  }

  public static BufferedImage readImage(Path file) {
    try {
      BufferedImage image = ImageIO.read(file.toFile());
      if (image == null) {
        throw new IllegalArgumentException(file + " is not a readable image");
      }
      return image;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** An 8-bit label map as class ids (the raw pixel values). */
  public static int[] readLabels(Path file) {
    BufferedImage image = readImage(file);
    Raster raster = image.getRaster();
    if (raster.getNumBands() != 1) {
      throw new IllegalArgumentException(
          file + " is not a single-channel label map (" + raster.getNumBands() + " bands)");
    }
    return raster.getPixels(0, 0, image.getWidth(), image.getHeight(), (int[]) null);
  }
}
