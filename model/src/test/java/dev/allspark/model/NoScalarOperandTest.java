package dev.allspark.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import dev.allspark.testkit.NumberOperandScan;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * No class of the model calls DJL's {@code Number}-argument ops, whose temporary tensor a backward
 * pass can read after it was freed (see {@link Scalar}); arithmetic with a constant goes through
 * {@link Scalar}.
 */
class NoScalarOperandTest {

  @Test
  void theModelNeverPassesAJavaNumberToAnArrayOp() throws IOException {
    Path classes = Path.of("target", "classes", "dev", "allspark", "model");
    assertThat(classes.resolve("MixTransformer.class")).exists();
    assertThat(NumberOperandScan.scanTree(classes)).isEmpty();
  }

  @Test
  void theScanSeesSuchACall() throws IOException {
    Path self = Path.of("target", "test-classes", "dev", "allspark", "model");
    assertThat(NumberOperandScan.scan(self.resolve("NoScalarOperandTest.class")))
        .extracting(NumberOperandScan.Call::method)
        .containsExactlyInAnyOrder("mul", "maximum");
  }

  /** Never called: the two kinds of call the scan must find in this very class file. */
  @SuppressWarnings("unused")
  private static NDArray offending(NDArray x) {
    return x.mul(0.5f).maximum(1);
  }
}
