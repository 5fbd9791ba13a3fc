package dev.allspark.trainer;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/** Writes a small folder in CamVid layout: coloured blocks whose labels are known exactly. */
public final class SyntheticCamVid {
  private SyntheticCamVid() {}

  public static Path write(Path root, int train, int val, int width, int height)
      throws IOException {
    for (String d : List.of("train", "trainannot", "val", "valannot", "splits/1_8")) {
      Files.createDirectories(root.resolve(d));
    }
    Random rng = new Random(7);
    List<String> trainNames = new ArrayList<>();
    List<String> valNames = new ArrayList<>();
    for (int i = 0; i < train + val; i++) {
      String name = String.format("0001TP_%06d.png", i);
      boolean isTrain = i < train;
      (isTrain ? trainNames : valNames).add(name);
      BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
      BufferedImage labels = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
      int horizon = height / 3 + rng.nextInt(height / 4);
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          int label = y < horizon ? 0 : (y > 2 * height / 3 ? 3 : 1); // sky, building, road
          if (x == 0) {
            label = 11; // a void column
          }
          int[] color = {128 + (label * 40) % 120, 128, 255 - label * 20};
          image.setRGB(x, y, (color[0] << 16) | (color[1] << 8) | color[2]);
          labels.getRaster().setSample(x, y, 0, label);
        }
      }
      ImageIO.write(image, "png", root.resolve(isTrain ? "train" : "val").resolve(name).toFile());
      ImageIO.write(
          labels, "png", root.resolve(isTrain ? "trainannot" : "valannot").resolve(name).toFile());
    }
    Files.write(root.resolve("splits/train.txt"), trainNames);
    Files.write(root.resolve("splits/val.txt"), valNames);
    Files.write(root.resolve("splits/1_8/labeled.txt"), trainNames.subList(0, 2));
    Files.write(root.resolve("splits/1_8/unlabeled.txt"), trainNames.subList(2, trainNames.size()));
    return root;
  }
}
