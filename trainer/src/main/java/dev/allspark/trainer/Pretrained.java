package dev.allspark.trainer;

import dev.allspark.model.AllSparkNet;
import dev.allspark.model.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Pretrained encoder weights for a fresh network ({@code --pretrained FILE.safetensors} of {@code
 * train} and {@code trainer}): the Mix Transformer's tensors by their own names (see the model's
 * README), shapes checked, every error naming the setting, the file and the tensor. A run that
 * resumes from its own state ignores them: its weights already started from them.
 */
public final class Pretrained {
  private Pretrained() {}

  /**
   * Loads the file into the network's encoder.
   *
   * @param setting the option or variable that named the file, for messages
   * @return how many encoder tensors were loaded
   */
  public static int load(AllSparkNet net, Path file, String setting) {
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException(setting + " " + file + " does not exist or is unreadable");
    }
    try {
      return net.loadPretrainedEncoder(SafeTensors.read(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          setting + " " + file + " is not a safetensors file: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(setting + " " + file + ": " + e.getMessage(), e);
    }
  }
}
