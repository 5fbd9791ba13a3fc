package dev.allspark.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class AllSparkCommandTest {

  record Run(int exitCode, String out, String err) {}

  static Run run(String... args) {
    CommandLine cli = AllSparkCommand.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void helpListsEverySubcommand() {
    Run run = run("--help");
    assertThat(run.exitCode()).isZero();
    for (String sub :
        new String[] {
          "demo",
          "ingest",
          "labeling-bridge",
          "trainer",
          "inference",
          "train",
          "evaluate",
          "bench",
          "topics",
          "version"
        }) {
      assertThat(run.out()).containsPattern("(?m)^\\s+" + sub + "\\s");
    }
  }

  @Test
  void versionNamesTheBuildAndItsEngines() {
    Run run = run("version");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .containsPattern("AllSpark Stream \\d+\\.\\d+\\.\\d+")
        .contains("Kafka clients 4.3.1")
        .contains("DJL 0.36.0");
  }

  @Test
  void topicsCreateRequiresABootstrapAddress() {
    Run run = run("topics", "create");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Missing required option: '--bootstrap=HOST:PORT'");
  }

  /** Runs the command line and asserts it exits with 1 and an error that says {@code message}. */
  private static void refused(String message, String... args) {
    Run run = run(args);
    assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(1);
    assertThat(run.err()).contains(message);
  }

  @Test
  void inferenceRefusesABadSettingNamingIt() {
    refused(
        "--model-version / ALLSPARK_INFERENCE_MODEL_VERSION = 'newest' is invalid",
        "inference",
        "--bootstrap",
        "127.0.0.1:1",
        "--model-version",
        "newest");
  }

  @Test
  void trainerRefusesABadSettingNamingIt() {
    refused(
        "--batch / ALLSPARK_TRAINER_BATCH = '0' is invalid",
        "trainer",
        "--bootstrap",
        "127.0.0.1:1",
        "--set",
        "ALLSPARK_TRAINER_BATCH=0");
    refused(
        "ALLSPARK_TRAINER_BACTH: not a trainer setting",
        "trainer",
        "--bootstrap",
        "127.0.0.1:1",
        "--set",
        "ALLSPARK_TRAINER_BACTH=2");
    // bench online took any --set and ignored a misspelt one
    refused(
        "--set ALLSPARK_TRAINER_BACTH: not a trainer setting",
        "bench",
        "online",
        "--set",
        "ALLSPARK_TRAINER_BACTH=2");
  }

  @Test
  void ingestAndBridgeRefuseBadSettingsNamingThem() {
    refused(
        "--source / ALLSPARK_INGEST_SOURCE = 'camera'",
        "ingest",
        "--bootstrap",
        "127.0.0.1:1",
        "--source",
        "camera");
    refused(
        "--source folder needs --folder / ALLSPARK_INGEST_FOLDER",
        "ingest",
        "--bootstrap",
        "127.0.0.1:1",
        "--source",
        "folder");
    refused(
        "--token / ALLSPARK_BRIDGE_TOKEN must have at least 8 characters",
        "labeling-bridge",
        "--bootstrap",
        "127.0.0.1:1",
        "--token",
        "short");
  }

  @Test
  void theBridgeTakesItsTokenFromAFileAndRefusesTwoSources(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path file = dir.resolve("token");
    java.nio.file.Files.writeString(file, "  from-a-file-1234\n");
    dev.allspark.bridge.cli.LabelingBridgeCommand c =
        new dev.allspark.bridge.cli.LabelingBridgeCommand();
    new picocli.CommandLine(c)
        .parseArgs("--bootstrap", "127.0.0.1:1", "--token-file", file.toString());
    assertThat(c.settings(java.util.Map.of()).token()).isEqualTo("from-a-file-1234");
    Run both =
        run(
            "labeling-bridge",
            "--bootstrap",
            "127.0.0.1:1",
            "--token",
            "on-the-line-1234",
            "--token-file",
            file.toString());
    assertThat(both.exitCode()).isEqualTo(1);
    assertThat(both.err()).contains("not both");
    Run missing =
        run(
            "labeling-bridge",
            "--bootstrap",
            "127.0.0.1:1",
            "--token-file",
            dir.resolve("nope").toString());
    assertThat(missing.err())
        .contains("--token-file / ALLSPARK_BRIDGE_TOKEN_FILE")
        .contains("nope");
  }

  @Test
  void benchOffersTheServiceBenchmarks() {
    Run run = run("bench", "--help");
    assertThat(run.out())
        .contains("train-step")
        .contains("infer")
        .contains("inference")
        .contains("ingest");
  }

  /**
   * Every command's settings table is its options. Found by running it: the benchmarks this module
   * adds to {@code bench} had none ({@code bench inference --frames 60}: "Unknown options").
   */
  @Test
  void everyCommandWithASettingsTableTakesItsOptions() {
    Map<String, String> option =
        Map.of(
            "train", "--lr-warmup",
            "evaluate", "--input-scale",
            "demo", "--label-delay",
            "chaos", "--delivery-timeout-ms",
            "bench train-step", "--batches",
            "bench infer", "--checkpoint",
            "bench inference", "--max-batch",
            "bench ingest", "--passes",
            "bench online", "--holdout-fraction",
            "inference", "--max-wait-ms");
    option.forEach(
        (command, flag) -> {
          List<String> args = new ArrayList<>(List.of(command.split(" ")));
          args.add("--help");
          Run run = run(args.toArray(String[]::new));
          assertThat(run.exitCode()).as(command).isZero();
          assertThat(run.out()).as(command).contains(flag).contains("[ALLSPARK_");
        });
  }

  @Test
  void topicsListShowsTheCatalog() {
    Run run = run("topics", "list");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("camera.frames").contains("compact").contains("CameraFrame");
  }

  @Test
  void anUnreachableBrokerFailsWithAMessageNotAStackTrace() {
    Run run =
        run(
            "topics",
            "create",
            "--bootstrap",
            "127.0.0.1:1",
            "--admin-config",
            "default.api.timeout.ms=3000",
            "--admin-config",
            "request.timeout.ms=2000");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).startsWith("allspark: cannot initialize topics");
    assertThat(run.err()).doesNotContain("\tat ");
  }
}
