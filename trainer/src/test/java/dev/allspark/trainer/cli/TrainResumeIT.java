package dev.allspark.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.allspark.model.Checkpoint;
import dev.allspark.trainer.SyntheticCamVid;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code train --resume}: a run stopped at a resumable checkpoint and continued ends bit for bit
 * where the uninterrupted run ends (weights, optimizer, memory, teacher, schedule, random draws),
 * with its recipe in the checkpoint and the JSON.
 */
class TrainResumeIT {

  static List<String> recipe(Path data, Path out, String... extra) {
    List<String> args =
        tinyRun(
            data,
            out,
            "--memory-warmup",
            "1",
            "--unlabeled-from",
            "2",
            "--optimizer",
            "adamw",
            "--lr",
            "0.0006",
            "--ema-teacher",
            "0.9");
    args.addAll(List.of(extra));
    return args;
  }

  /**
   * {@code train} arguments for a tiny AllSpark run (6 iterations, crop 33, batch 2, evaluated at 3
   * and at the end) on a synthetic folder, with the given options after them.
   */
  static List<String> tinyRun(Path data, Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--data",
                data.toString(),
                "--split",
                "1_8",
                "--method",
                "allspark",
                "--model",
                "tiny",
                "--iterations",
                "6",
                "--crop",
                "33",
                "--batch",
                "2",
                "--lr-warmup",
                "2",
                "--eval-every",
                "3",
                "--out",
                out.toString()));
    args.addAll(List.of(extra));
    return args;
  }

  /** Runs train; stderr goes through {@code onLine}; returns stdout and the exit code. */
  static Map.Entry<Integer, String> train(
      List<String> args, java.util.function.Consumer<String> onLine) {
    PrintStream out0 = System.out;
    PrintStream err0 = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new Lines(onLine), true, StandardCharsets.UTF_8));
    try {
      CommandLine cl = new CommandLine(new TrainCommand());
      int code = cl.execute(args.toArray(String[]::new));
      return Map.entry(code, out.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out0);
      System.setErr(err0);
    }
  }

  @Test
  void aResumedRunEndsExactlyWhereTheUninterruptedOneEnds(@TempDir Path dir) throws Exception {
    Path data = SyntheticCamVid.write(dir.resolve("camvid"), 6, 2, 48, 40);
    Path whole = dir.resolve("whole.ckpt");
    var uninterrupted = train(recipe(data, whole), line -> {});
    assertThat(uninterrupted.getKey()).isZero();

    // the same recipe with a resumable checkpoint at iteration 3, kept aside when written
    Path partial = dir.resolve("partial.ckpt");
    Path atThree = dir.resolve("at-3.ckpt");
    var checkpointed =
        train(
            recipe(data, partial, "--checkpoint-every", "3"),
            line -> {
              if (line.startsWith("iteration 3: resumable checkpoint written")) {
                copy(partial, atThree);
              }
            });
    assertThat(checkpointed.getKey()).isZero();
    assertThat(atThree).exists();
    Checkpoint middle = Checkpoint.read(atThree);
    assertThat(middle.step()).isEqualTo(3);
    assertThat(middle.info())
        .containsEntry("recipe.optimizer", "adamw")
        .containsEntry("recipe.lr", "6.0E-4")
        .containsEntry("recipe.unlabeledFrom", "2")
        .containsEntry("iterationsDone", "3");
    assertThat(middle.optimizerState().keySet()).anyMatch(k -> k.startsWith("adamw.m."));
    assertThat(middle.optimizerState().keySet()).anyMatch(k -> k.startsWith("teacher."));

    Path resumed = dir.resolve("resumed.ckpt");
    List<String> log = new ArrayList<>();
    var continued = train(recipe(data, resumed, "--resume", atThree.toString()), log::add);
    assertThat(continued.getKey()).as("exit code; log: %s", log).isZero();
    assertThat(log).anyMatch(l -> l.startsWith("resumed " + atThree + " at iteration 3 of 6"));

    Checkpoint a = Checkpoint.read(whole);
    Checkpoint b = Checkpoint.read(resumed);
    assertThat(b.step()).isEqualTo(6);
    assertThat(b.weights().keySet()).isEqualTo(a.weights().keySet());
    a.weights()
        .forEach(
            (name, t) -> assertThat(b.weights().get(name).data()).as(name).isEqualTo(t.data()));
    assertThat(b.memoryQueue()).isEqualTo(a.memoryQueue());

    JsonObject ja = JsonParser.parseString(uninterrupted.getValue()).getAsJsonObject();
    JsonObject jb = JsonParser.parseString(continued.getValue()).getAsJsonObject();
    assertThat(jb.get("valMiou")).isEqualTo(ja.get("valMiou"));
    assertThat(jb.get("history")).isEqualTo(ja.get("history"));
    assertThat(jb.get("resumedAt").getAsInt()).isEqualTo(3);
    assertThat(jb.getAsJsonObject("recipe").get("optimizer").getAsString()).isEqualTo("adamw");
  }

  @Test
  void aResumeWithAnotherRecipeIsRefusedNamingTheSetting(@TempDir Path dir) throws Exception {
    Path data = SyntheticCamVid.write(dir.resolve("camvid"), 6, 2, 48, 40);
    Path partial = dir.resolve("partial.ckpt");
    Path atThree = dir.resolve("at-3.ckpt");
    train(
        recipe(data, partial, "--checkpoint-every", "3"),
        line -> {
          if (line.startsWith("iteration 3: resumable checkpoint written")) {
            copy(partial, atThree);
          }
        });
    List<String> log = new ArrayList<>();
    List<String> args = recipe(data, dir.resolve("other.ckpt"), "--resume", atThree.toString());
    args.set(args.indexOf("0.0006"), "0.001");
    var refused = train(args, log::add);
    assertThat(refused.getKey()).isNotZero();
    assertThat(String.join("\n", log)).contains("recipe differs").contains("lr 6.0E-4 -> 0.001");
  }

  private static void copy(Path from, Path to) {
    try {
      Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An output stream handing each complete line to a consumer. */
  static final class Lines extends OutputStream {
    private final java.util.function.Consumer<String> onLine;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    Lines(java.util.function.Consumer<String> onLine) {
      this.onLine = onLine;
    }

    @Override
    public void write(int b) {
      if (b == '\n' || b == '\r') {
        if (line.size() > 0) {
          onLine.accept(line.toString(StandardCharsets.UTF_8));
          line.reset();
        }
      } else {
        line.write(b);
      }
    }
  }
}
