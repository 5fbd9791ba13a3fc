package dev.allspark.inference;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.Checkpoint;
import dev.allspark.model.EngineThreads;
import dev.allspark.model.ImageTensors;
import dev.allspark.model.Segmenter;
import dev.allspark.schemas.images.Images;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * One loaded checkpoint, ready to segment: the network on its own NDManager (CPU or GPU, the
 * engine's default device) and the version it came from. Only the inference worker thread calls
 * {@link #segment}; {@link #close()} frees its native memory once no batch uses it.
 *
 * @param classSet the class set the checkpoint predicts (its id)
 */
record ServingModel(
    long version,
    NDManager manager,
    AllSparkNet net,
    int inputWidth,
    int inputHeight,
    String classSet)
    implements AutoCloseable {

  /**
   * Loads a verified checkpoint file; the first model of its shape in this process runs one warm-up
   * batch, so the first real one is fast.
   */
  static ServingModel load(long version, byte[] file, int inputWidth, int inputHeight) {
    return load(version, file, InputSize.fixed(inputWidth, inputHeight), null);
  }

  /**
   * @param expected the deployment's class set; a checkpoint of another is refused (null: any)
   */
  static ServingModel load(
      long version, byte[] file, InputSize size, dev.allspark.schemas.labels.ClassSet expected) {
    EngineThreads.noGradients();
    Checkpoint checkpoint = Checkpoint.fromBytes(file);
    int[] input = size.forCheckpoint(checkpoint);
    int inputWidth = input[0];
    int inputHeight = input[1];
    if (expected != null && !checkpoint.classes().sameClasses(expected)) {
      throw new IllegalArgumentException(
          "the checkpoint predicts class set "
              + checkpoint.classes().id()
              + ", this service serves "
              + expected.id()
              + " ("
              + InferenceSettings.Key.CLASSES.label()
              + ")");
    }
    NDManager manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice());
    try {
      AllSparkNet net = checkpoint.instantiate(manager);
      ServingModel model =
          new ServingModel(
              version, manager, net, inputWidth, inputHeight, checkpoint.classes().id());
      // libtorch's first pass at a new shape sets up its kernels (+130 ms for a 480x360 frame);
      // a later model of the same shape starts as fast as the one it replaces (measured, ~0 ms),
      // so only the first of a shape is warmed: a swap then costs serving no second forward pass
      if (WARMED.add(checkpoint.config() + "@" + inputWidth + "x" + inputHeight)) {
        model.warmUp();
      }
      return model;
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** Model shapes (config and input size) that have had their first pass in this process. */
  private static final java.util.Set<String> WARMED =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** The network's input, {@code WIDTHxHEIGHT}. */
  String inputSize() {
    return inputWidth + "x" + inputHeight;
  }

  int numClasses() {
    return net.config().numClasses();
  }

  private void warmUp() {
    BufferedImage blank = new BufferedImage(inputWidth, inputHeight, BufferedImage.TYPE_INT_RGB);
    segment(List.of(blank, blank));
  }

  /**
   * Segments a micro-batch. Each image is resized to the model's input; each result is at its own
   * image's size. In evaluation mode the network treats every image on its own, so a result does
   * not depend on the other images of the batch, nor on how the batch is split into passes ({@link
   * Segmenter#segment}).
   */
  List<Segmenter.Result> segment(List<BufferedImage> images) {
    EngineThreads.noGradients(); // cheap; the calling thread may be new
    float[][] chw = new float[images.size()][];
    int[][] sizes = new int[images.size()][];
    for (int i = 0; i < chw.length; i++) {
      chw[i] = ImageTensors.normalizedChw(resized(images.get(i)));
      sizes[i] = new int[] {images.get(i).getHeight(), images.get(i).getWidth()};
    }
    return Segmenter.segment(net, manager, chw, inputHeight, inputWidth, sizes);
  }

  private BufferedImage resized(BufferedImage image) {
    if (image.getWidth() == inputWidth
        && image.getHeight() == inputHeight
        && image.getType() == BufferedImage.TYPE_INT_RGB) {
      return image;
    }
    return Images.resize(image, inputWidth, inputHeight);
  }

  @Override
  public void close() {
    manager.close();
  }
}
