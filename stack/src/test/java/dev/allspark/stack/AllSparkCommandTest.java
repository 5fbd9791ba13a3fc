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

  @Test
  void inferenceRefusesABadSettingNamingIt() {
    Run run = run("inference", "--bootstrap", "127.0.0.1:1", "--model-version", "newest");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains("--model-version / ALLSPARK_INFERENCE_MODEL_VERSION = 'newest' is invalid");
  }

  @Test
  void trainerRefusesABadSettingNamingIt() {
    Run run = run("trainer", "--bootstrap", "127.0.0.1:1", "--set", "ALLSPARK_TRAINER_BATCH=0");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("--batch / ALLSPARK_TRAINER_BATCH = '0' is invalid");
    run = run("trainer", "--bootstrap", "127.0.0.1:1", "--set", "ALLSPARK_TRAINER_BACTH=2");
    assertThat(run.err()).contains("ALLSPARK_TRAINER_BACTH: not a trainer setting");
    // bench online took any --set and ignored a misspelt one
    run = run("bench", "online", "--set", "ALLSPARK_TRAINER_BACTH=2");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("--set ALLSPARK_TRAINER_BACTH: not a trainer setting");
  }

  @Test
  void ingestAndBridgeRefuseBadSettingsNamingThem() {
    Run run = run("ingest", "--bootstrap", "127.0.0.1:1", "--source", "camera");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("--source / ALLSPARK_INGEST_SOURCE = 'camera'");
    run = run("ingest", "--bootstrap", "127.0.0.1:1", "--source", "folder");
    assertThat(run.err()).contains("--source folder needs --folder / ALLSPARK_INGEST_FOLDER");
    run = run("labeling-bridge", "--bootstrap", "127.0.0.1:1", "--token", "short");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains("--token / ALLSPARK_BRIDGE_TOKEN must have at least 8 characters");
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
