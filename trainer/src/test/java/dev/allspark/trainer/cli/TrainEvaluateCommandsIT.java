package dev.allspark.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.allspark.model.Checkpoint;
import dev.allspark.trainer.SyntheticCamVid;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The train and evaluate commands end to end on a small CamVid-layout folder. */
class TrainEvaluateCommandsIT {

  static String run(Object command, String... args) {
    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      int code = new CommandLine(command).execute(args);
      assertThat(code).as("exit code of " + String.join(" ", args)).isZero();
    } finally {
      System.setOut(original);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void trainsWritesACheckpointAndEvaluatesIt(@TempDir Path dir) throws Exception {
    Path data = SyntheticCamVid.write(dir.resolve("camvid"), 6, 2, 48, 40);
    Path ckpt = dir.resolve("model.ckpt");

    String trained =
        run(
            new TrainCommand(),
            TrainResumeIT.tinyRun(data, ckpt, "--memory-warmup", "3").toArray(String[]::new));
    JsonObject result = JsonParser.parseString(trained).getAsJsonObject();
    assertThat(result.get("method").getAsString()).isEqualTo("allspark");
    assertThat(result.get("valMiou").getAsDouble()).isBetween(0.0, 1.0);
    assertThat(result.getAsJsonArray("history")).hasSize(2); // iteration 3 and the end
    assertThat(result.get("skippedIterations").getAsInt()).isZero();
    assertThat(Files.exists(ckpt)).isTrue();

    Checkpoint checkpoint = Checkpoint.read(ckpt);
    assertThat(checkpoint.step()).isEqualTo(6);
    assertThat(checkpoint.info()).containsEntry("method", "allspark");
    assertThat(checkpoint.optimizerState()).isNotEmpty();
    assertThat(result.get("checkpointSha256").getAsString()).isEqualTo(checkpoint.sha256());

    String[] evaluate = {
      "--checkpoint",
      ckpt.toString(),
      "--images",
      data.resolve("val").toString(),
      "--labels",
      data.resolve("valannot").toString(),
      "--json",
      "--input-scale",
      "checkpoint"
    };
    String evaluated = run(new EvaluateCommand(), evaluate);
    JsonObject eval = JsonParser.parseString(evaluated).getAsJsonObject();
    assertThat(eval.get("frames").getAsInt()).isEqualTo(2);
    // 48x40 frames minus the void column
    assertThat(eval.get("pixels").getAsLong()).isEqualTo(2L * 47 * 40);
    // The same weights on the same frames give the training run's final figure.
    assertThat(eval.get("mIoU").getAsDouble())
        .isCloseTo(result.get("valMiou").getAsDouble(), org.assertj.core.data.Offset.offset(1e-4));

    // another scale for the network: still scored at every labeled pixel of the frames
    String[] atHalf = evaluate.clone();
    atHalf[atHalf.length - 1] = "0.5";
    JsonObject half = JsonParser.parseString(run(new EvaluateCommand(), atHalf)).getAsJsonObject();
    assertThat(half.get("pixels").getAsLong()).isEqualTo(2L * 47 * 40);
    atHalf[atHalf.length - 1] = "2";
    java.io.StringWriter err = new java.io.StringWriter();
    int code =
        new CommandLine(new EvaluateCommand())
            .setErr(new java.io.PrintWriter(err))
            .setExecutionExceptionHandler(
                (e, cmd, parsed) -> {
                  cmd.getErr().println(e.getMessage());
                  return 2;
                })
            .execute(atHalf);
    assertThat(code).isNotZero();
    assertThat(err.toString())
        .contains(
            "--input-scale / ALLSPARK_EVALUATE_INPUT_SCALE = '2' is invalid: expected checkpoint");
  }
}
