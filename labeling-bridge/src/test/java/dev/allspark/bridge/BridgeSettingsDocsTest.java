package dev.allspark.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's settings table is the one in the code, so the docs cannot drift. */
class BridgeSettingsDocsTest {
  @Test
  void theReadmeHoldsTheSettingsTable() throws Exception {
    assertThat(Files.readString(Path.of("README.md"))).contains(BridgeSettings.TABLE.markdown());
  }
}
