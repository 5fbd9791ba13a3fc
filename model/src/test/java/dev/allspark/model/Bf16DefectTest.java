package dev.allspark.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Why inference has no bf16 mode although this CPU family has AVX512-BF16 / AMX-BF16: the DJL
 * PyTorch engine this project runs on aborts the process on any bfloat16 tensor ({@link
 * Bf16Reproduction}, in a child JVM). When this test fails, DJL has fixed it: bf16 inference
 * becomes possible, and issue 15's {@code --precision} can be built.
 */
class Bf16DefectTest {

  @Test
  void djlsPyTorchEngineAbortsOnABfloat16Tensor() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                List.of(
                    java.toString(),
                    "-Dai.djl.offline=true",
                    "-cp",
                    System.getProperty("java.class.path"),
                    Bf16Reproduction.class.getName()))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    // fp16 converts (so the engine and the cast work), bf16 kills the JVM from native code
    assertThat(out).contains("float16: [1.5, 2.25, -3.0]").contains("casting to bfloat16");
    assertThat(out).doesNotContain("bfloat16: [");
    assertThat(out).contains("terminate called without an active exception");
    assertThat(p.exitValue()).as(out).isEqualTo(134); // SIGABRT
  }
}
