package dev.allspark.trainer;

/**
 * An image with its label map (class id per pixel, void = the class set's void label), or with none
 * for an unlabeled frame.
 */
public record Sample(String id, RgbImage image, int[] labels) {
  public Sample {
    if (labels != null && labels.length != image.width * image.height) {
      throw new IllegalArgumentException(
          id
              + ": label map of "
              + labels.length
              + " pixels for a "
              + image.width
              + "x"
              + image.height
              + " image");
    }
  }

  public boolean labeled() {
    return labels != null;
  }
}
