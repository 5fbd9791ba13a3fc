package dev.allspark.stack.demo;

import java.nio.file.Path;

/**
 * {@link LocalStack.Settings} by name: {@code
 * Settings.builder(dir).cameras(2).model("tiny").build()}.
 */
public final class StackSettingsBuilder {
  private Path camvid;
  private int cameras = 2;
  private double fps = 2;
  private String size = "480x360";
  private String modelSize = "240x180";
  private String model = "tiny";
  private long labelDelayMillis = 2000;
  private double labelFraction = 0.2;
  private int minLabels = 8;
  private int evalEvery = 50;
  private int dashboardPort = 0;
  private final Path stateDir;
  private String bootstrap;
  private long seed = 1;
  private Path cityscapes;

  StackSettingsBuilder(Path stateDir) {
    this.stateDir = stateDir;
  }

  public StackSettingsBuilder camvid(Path folder) {
    this.camvid = folder;
    return this;
  }

  public StackSettingsBuilder fleet(int cameras, double fps, String size) {
    this.cameras = cameras;
    this.fps = fps;
    this.size = size;
    return this;
  }

  public StackSettingsBuilder model(String model, String modelSize) {
    this.model = model;
    this.modelSize = modelSize;
    return this;
  }

  public StackSettingsBuilder labelers(long delayMillis, double fraction) {
    this.labelDelayMillis = delayMillis;
    this.labelFraction = fraction;
    return this;
  }

  public StackSettingsBuilder training(int minLabels, int evalEvery) {
    this.minLabels = minLabels;
    this.evalEvery = evalEvery;
    return this;
  }

  public StackSettingsBuilder dashboardPort(int port) {
    this.dashboardPort = port;
    return this;
  }

  public StackSettingsBuilder bootstrap(String servers) {
    this.bootstrap = servers;
    return this;
  }

  /**
   * Replay a Cityscapes {@code leftImg8bit/<split>} folder with the 19-class set; the labelers'
   * ground truth is {@code gtFine/<split>}'s {@code *_gtFine_labelIds.png}, mapped to train ids.
   */
  public StackSettingsBuilder cityscapes(Path leftImg8bitSplit) {
    this.cityscapes = leftImg8bitSplit;
    return this;
  }

  public StackSettingsBuilder seed(long seed) {
    this.seed = seed;
    return this;
  }

  public LocalStack.Settings build() {
    return new LocalStack.Settings(
        camvid,
        cameras,
        fps,
        size,
        modelSize,
        model,
        labelDelayMillis,
        labelFraction,
        minLabels,
        evalEvery,
        dashboardPort,
        stateDir,
        bootstrap,
        seed,
        cityscapes);
  }
}
