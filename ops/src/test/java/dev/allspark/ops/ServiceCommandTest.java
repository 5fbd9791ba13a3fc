package dev.allspark.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allspark.ops.settings.SettingName;
import dev.allspark.ops.settings.SettingTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class ServiceCommandTest {
  /** A service whose start fails as a busy port or an unreachable registry makes it fail. */
  @Command(name = "failing")
  static final class Failing extends ServiceCommand<String> {
    enum Key implements SettingName {
      WHY
    }

    static final SettingTable TABLE =
        SettingTable.of("failing", "FAILING", Key.class, "WHY  busy  why the start fails\n");

    Failing() {
      super(
          TABLE,
          values -> new dev.allspark.ops.settings.SettingValues(values).text(Key.WHY),
          why -> {
            // as a busy port or an unreachable registry makes a service's constructor fail
            throw new IllegalStateException("cannot start: " + why);
          },
          120,
          1);
    }

    /** What {@code allspark failing} would do: run, print the error, exit with its code. */
    public static void main(String[] args) {
      int code =
          new CommandLine(new Failing())
              .setExecutionExceptionHandler(
                  (e, cmd, parsed) -> {
                    cmd.getErr().println("failing: " + e.getMessage());
                    return 1;
                  })
              .execute(args);
      System.exit(code);
    }
  }

  /**
   * Before: the shutdown hook registered for a clean stop waited its whole grace period (60 s for
   * inference: {@code allspark inference --http-port <busy>} took 61 s to exit) when the service
   * never started, since nothing said it was closed.
   */
  @Test
  void aServiceThatFailsToStartLetsTheJvmExitAtOnce() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    Failing.class.getName(),
                    "--why",
                    "port 8083 is in use"))
            .redirectErrorStream(true)
            .start();
    long t0 = System.nanoTime();
    boolean exited = p.waitFor(60, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (!exited) {
      p.destroyForcibly().waitFor();
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(exited).as("exited within 60 s (its grace is 120 s); output: " + out).isTrue();
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(out).contains("failing: cannot start: port 8083 is in use");
    // a JVM starts and stops in a few seconds even on a loaded machine; the grace is 120 s
    assertThat(seconds).as(out).isLessThan(60);
  }
}
