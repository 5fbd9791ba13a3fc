package dev.allspark.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allspark.testkit.NumberOperandScan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The training step's gradient path (the step and its loss) never passes a Java number to an array
 * op: it uses {@code dev.allspark.model.Scalar}, as the model does (its own test scans the model).
 */
class NoScalarOperandTest {

  @Test
  void theTrainingStepAndItsLossNeverPassAJavaNumberToAnArrayOp() throws IOException {
    Path dir = Path.of("target", "classes", "dev", "allspark", "trainer");
    List<NumberOperandScan.Call> calls = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (name.startsWith("TrainingStep") || name.startsWith("CrossEntropy")) {
          calls.addAll(NumberOperandScan.scan(f));
        }
      }
    }
    assertThat(dir.resolve("TrainingStep.class")).exists();
    assertThat(calls).isEmpty();
  }
}
