package dev.allspark.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allspark.ops.settings.SettingName;
import dev.allspark.ops.settings.SettingTable;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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

  /** A service that ends on its own (as a finite replay, {@code --max-steps} or a failure). */
  static final class EndsOnItsOwn implements Service {
    final AtomicInteger closes = new AtomicInteger();
    private volatile long startedAt = Long.MAX_VALUE;

    @Override
    public EndsOnItsOwn start() {
      startedAt = System.nanoTime();
      return this;
    }

    @Override
    public String banner() {
      return "reading nothing, no HTTP endpoints";
    }

    @Override
    public String statusLine() {
      return finished() ? "done" : "working";
    }

    @Override
    public boolean finished() {
      return System.nanoTime() - startedAt > 300_000_000L;
    }

    @Override
    public int exitCode() {
      return 3;
    }

    @Override
    public void close() {
      closes.incrementAndGet();
    }
  }

  @Command(name = "ending")
  static final class Ending extends ServiceCommand<String> {
    Ending(EndsOnItsOwn service) {
      super(Failing.TABLE, values -> "made", settings -> service, 120, 1);
    }
  }

  /**
   * The command prints what the service says of itself, returns when the service has ended on its
   * own (no signal, no --minutes: a command that ignored {@code finished()} would hang here until
   * the timeout), closes it once and exits with the service's code.
   */
  @Test
  @Timeout(60)
  void aServiceThatEndsOnItsOwnEndsItsCommandWithItsExitCode() {
    EndsOnItsOwn service = new EndsOnItsOwn();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream before = System.err;
    int code;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      code = new CommandLine(new Ending(service)).execute();
    } finally {
      System.setErr(before);
    }
    String out = err.toString(StandardCharsets.UTF_8);
    assertThat(code).as(out).isEqualTo(3);
    assertThat(service.closes.get()).isEqualTo(1);
    assertThat(out).contains("failing: reading nothing, no HTTP endpoints");
    assertThat(out.strip()).endsWith("failing: done");
  }
}
