package dev.allspark.ops;

import dev.allspark.ops.settings.SettingTable;
import dev.allspark.ops.settings.SettingsCommand;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * The command of a long-running service ({@code allspark inference}, {@code ingest}, {@code
 * trainer}, {@code labeling-bridge}): its options are the service's settings table, every value
 * also comes from its environment variable, and {@link #serve} runs the service until Ctrl-C /
 * SIGTERM, {@code --minutes}, or the service's own end, holding the JVM until it has closed. A
 * subclass names itself and its description in its own {@code @Command}; the attributes here are
 * inherited.
 */
public abstract class ServiceCommand<S> extends SettingsCommand {
  private final Function<Map<String, String>, S> parse;
  private final String name;
  private final Duration grace;
  private final Duration every;

  /**
   * @param settings the service's table; its name names the service in status lines
   * @param parse the service's validated settings from environment-style values ({@code from})
   * @param graceSeconds how long a signal waits for the service to close (commit, save, leave its
   *     group) before the JVM exits anyway
   * @param statusSeconds how often the status is printed when it has changed
   */
  protected ServiceCommand(
      SettingTable settings,
      Function<Map<String, String>, S> parse,
      int graceSeconds,
      int statusSeconds) {
    super(settings);
    this.parse = parse;
    this.name = settings.service();
    this.grace = Duration.ofSeconds(graceSeconds);
    this.every = Duration.ofSeconds(statusSeconds);
  }

  /** Starts the service with its settings; called after the shutdown signal is registered. */
  protected abstract Running start(S settings) throws Exception;

  /** The settings in force: {@code env}, then the options given on the command line. */
  public final S settings(Map<String, String> env) {
    return parse.apply(values(env));
  }

  /** Runs the service until Ctrl-C / SIGTERM, {@code --minutes} or its own end. */
  @Override
  public final Integer call() throws Exception {
    S settings = settings(System.getenv());
    return serve(() -> start(settings));
  }

  @Option(
      names = "--minutes",
      paramLabel = "N",
      description = "Stop after this many minutes (default: run until Ctrl-C or SIGTERM).")
  Double minutes;

  /**
   * A started service as its command sees it.
   *
   * @param service closed when the command stops
   * @param banner printed once it has started (where it listens, what it reads)
   * @param status a one-line status, printed whenever it changes
   * @param finished true when the service has ended on its own (a finite replay, a failure)
   * @param exitCode the process's exit code once it has stopped: 0, or 1 after a failure
   */
  public record Running(
      AutoCloseable service,
      String banner,
      Supplier<String> status,
      BooleanSupplier finished,
      IntSupplier exitCode) {
    /** A service that runs until it is stopped and then exits with 0. */
    public static Running of(AutoCloseable service, String banner, Supplier<String> status) {
      return new Running(service, banner, status, () -> false, () -> 0);
    }

    /** The same, ending on its own when {@code finished} says so, with {@code exitCode}. */
    public Running endingWhen(BooleanSupplier finished, IntSupplier exitCode) {
      return new Running(service, banner, status, finished, exitCode);
    }
  }

  /** Starts a service. */
  @FunctionalInterface
  private interface Starter {
    Running start() throws Exception;
  }

  /**
   * Starts the service and prints its status every {@code every} when it has changed, until a
   * signal, {@code --minutes} or its own end; then closes it (within {@code grace} of a signal). A
   * service that fails to start lets the JVM exit at once: nothing is left to close.
   */
  private int serve(Starter starter) throws Exception {
    ShutdownSignal stop = ShutdownSignal.register(name, grace);
    Running running;
    try {
      running = starter.start();
    } catch (Exception | Error e) {
      stop.closed();
      throw e;
    }
    try (AutoCloseable service = running.service()) {
      System.err.println(name + ": " + running.banner());
      long deadline =
          minutes == null ? Long.MAX_VALUE : System.nanoTime() + (long) (minutes * 60e9);
      long nextPrint = 0;
      String last = "";
      // wake every 200 ms so that the service's own end is noticed at once
      while (!running.finished().getAsBoolean()
          && System.nanoTime() < deadline
          && !stop.await(200, TimeUnit.MILLISECONDS)) {
        if (System.nanoTime() >= nextPrint) {
          String line = running.status().get();
          if (!line.equals(last)) {
            System.err.println(name + ": " + line);
            last = line;
          }
          nextPrint = System.nanoTime() + every.toNanos();
        }
      }
      System.err.println(name + ": " + running.status().get());
      return running.exitCode().getAsInt();
    } finally {
      stop.closed();
    }
  }
}
