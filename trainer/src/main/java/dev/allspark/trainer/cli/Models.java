package dev.allspark.trainer.cli;

import dev.allspark.model.ModelConfig;

/** The model sizes the command line offers. */
public final class Models {
  private Models() {}

  public static ModelConfig named(String name, int classes, int crop) {
    ModelConfig base =
        switch (name) {
          case "b0" -> ModelConfig.b0(classes);
          case "tiny" -> ModelConfig.tiny(classes, crop);
          default ->
              throw new IllegalArgumentException("--model " + name + ": expected b0 or tiny");
        };
    return base.withCrop(crop);
  }
}
