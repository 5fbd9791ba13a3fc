package dev.allspark.ops.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

class SettingOptionsTest {
  static final SettingTable TABLE = new SettingTable("demo", "DEMO");
  static final SettingKey BOOTSTRAP = TABLE.bootstrap();
  static final SettingKey BATCH = TABLE.key("BATCH", "8", "frames per batch");
  static final SettingKey LOOP = TABLE.key("LOOP", "false", "again and again");
  static final SettingKey SIZE = TABLE.add("DEMO_SIZE", "--size", "480x360", "what it sees");

  @Command(
      name = "demo",
      mixinStandardHelpOptions = true,
      modelTransformer = SettingOptions.Transformer.class)
  static final class Demo implements Callable<Integer>, SettingOptions.Command {
    @Override
    public SettingTable settings() {
      return TABLE;
    }

    @Spec CommandSpec spec;
    Map<String, String> seen;

    @Override
    public Integer call() {
      seen = SettingOptions.values(spec, TABLE, Map.of("DEMO_BATCH", "4", "DEMO_SIZE", "64x48"));
      return 0;
    }
  }

  @Test
  void anOptionWinsOverItsVariableAndTheRestComeFromTheEnvironment() {
    Demo demo = new Demo();
    assertThat(new CommandLine(demo).execute("--batch", "16", "--loop")).isZero();
    assertThat(demo.seen).containsEntry("DEMO_BATCH", "16").containsEntry("DEMO_SIZE", "64x48");
    assertThat(demo.seen).containsEntry("DEMO_LOOP", "true"); // a switch alone means true
    SettingValues v = new SettingValues(demo.seen);
    assertThat(v.integer(BATCH, 1, 256)).isEqualTo(16);
    assertThat(v.bool(LOOP)).isTrue();
    assertThat(v.size(SIZE, 32, 4096)).containsExactly(64, 48);
  }

  @Test
  void helpIsMadeFromTheTable() {
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new Demo());
    cl.setOut(new PrintWriter(out));
    cl.execute("--help");
    assertThat(out.toString())
        .contains("--batch=VALUE", "frames per batch [DEMO_BATCH] (default: 8)")
        .contains("--bootstrap=VALUE", "[ALLSPARK_BOOTSTRAP]");
  }

  @Test
  void errorsNameTheSettingTheValueAndWhatWasExpected() {
    SettingValues v = new SettingValues(Map.of("DEMO_BATCH", "0", "DEMO_SIZE", "big"));
    assertThatThrownBy(() -> v.integer(BATCH, 1, 256))
        .hasMessage("--batch / DEMO_BATCH = '0' is invalid: must be within 1..256");
    assertThatThrownBy(() -> v.size(SIZE, 32, 4096))
        .hasMessageContaining("--size / DEMO_SIZE = 'big' is invalid: expected WIDTHxHEIGHT");
    assertThatThrownBy(() -> v.required(BOOTSTRAP))
        .hasMessageContaining("--bootstrap / ALLSPARK_BOOTSTRAP is required");
    assertThat(v.text(LOOP)).isEqualTo("false"); // the default
  }

  @Test
  void aSettingDeclaredTwiceIsRefused() {
    SettingTable t = new SettingTable("twice", "TWICE");
    t.add("A", "--a", null, "a");
    assertThatThrownBy(() -> t.add("A", "--b", null, "b"))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aKeysVariableAndFlagFollowFromItsName() {
    SettingTable t = new SettingTable("trainer", "ALLSPARK_TRAINER");
    SettingKey k = t.key("STATE_DIR", "trainer-state", "folder");
    assertThat(k.env()).isEqualTo("ALLSPARK_TRAINER_STATE_DIR");
    assertThat(k.flag()).isEqualTo("--state-dir");
    assertThatThrownBy(() -> t.key("stateDir", null, "x"))
        .hasMessageContaining("setting name stateDir is not UPPER_SNAKE");
  }
}
