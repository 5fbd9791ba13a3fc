package dev.allspark.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates {@code ../shared} (beside the checkout); tests skip with a message when absent. */
public final class SharedData {
  private SharedData() {}

  public static Path dir() {
    String configured = System.getProperty("allspark.shared.dir");
    if (configured != null) {
      return Path.of(configured).toAbsolutePath().normalize();
    }
    // Module directory -> repository root -> its sibling "shared".
    return Path.of("").toAbsolutePath().getParent().resolveSibling("shared");
  }

  /** The file under {@code shared/}, or a skipped test when it is absent. */
  public static Path require(String relative) {
    Path path = dir().resolve(relative);
    assumeTrue(
        Files.exists(path),
        () ->
            "skipped: "
                + path
                + " is absent (the shared data lives beside the checkout; set"
                + " -Dallspark.shared.dir to point elsewhere)");
    return path;
  }
}
