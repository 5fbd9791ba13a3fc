package dev.allspark.ops;

import dev.allspark.ops.settings.SettingTable;
import dev.allspark.ops.settings.SettingsCommand;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * The command of a long-running service ({@code allspark inference}, {@code ingest}, {@code
 * trainer}, {@code labeling-bridge}): its options are the service's settings table, every value
 * also comes from its environment variable, and {@link #serve} runs the service until Ctrl-C /
 * SIGTERM, {@code --minutes}, or the {@link Service}'s own end, holding the JVM until it has
 * closed. A subclass names itself and its description in its own {@code @Command} (the attributes
 * here are inherited) and gives the table, the parser and the factory.
 */
public abstract class ServiceCommand<S> extends SettingsCommand {
  private final Function<Map<String, String>, S> parse;
  private final Factory<S> factory;
  private final String name;
  private final Duration grace;
  private final Duration every;

  /**
   * @param settings the service's table; its name names the service in status lines
   * @param parse the service's validated settings from environment-style values ({@code from})
   * @param factory makes the service, which is then started; called after the shutdown signal is
   *     registered
   * @param graceSeconds how long a signal waits for the service to close (commit, save, leave its
   *     group) before the JVM exits anyway
   * @param statusSeconds how often the status is printed when it has changed
   */
  protected ServiceCommand(
      SettingTable settings,
      Function<Map<String, String>, S> parse,
      Factory<S> factory,
      int graceSeconds,
      int statusSeconds) {
    super(settings);
    this.parse = parse;
    this.factory = factory;
    this.name = settings.service();
    this.grace = Duration.ofSeconds(graceSeconds);
    this.every = Duration.ofSeconds(statusSeconds);
  }

  /** The settings in force: {@code env}, then the options given on the command line. */
  public final S settings(Map<String, String> env) {
    return parse.apply(values(env));
  }

  /** Runs the service until Ctrl-C / SIGTERM, {@code --minutes} or its own end. */
  @Override
  public final Integer call() throws Exception {
    return serve(settings(System.getenv()));
  }

  @Option(
      names = "--minutes",
      paramLabel = "N",
      description = "Stop after this many minutes (default: run until Ctrl-C or SIGTERM).")
  Double minutes;

  /** Makes a service from its settings (a constructor: {@code InferenceService::new}). */
  @FunctionalInterface
  public interface Factory<S> {
    Service create(S settings) throws Exception;
  }

  /**
   * Starts the service and prints its status every {@code every} when it has changed, until a
   * signal, {@code --minutes} or its own end; then closes it (within {@code grace} of a signal). A
   * service that fails to start lets the JVM exit at once: nothing is left to close.
   */
  private int serve(S settings) throws Exception {
    ShutdownSignal stop = ShutdownSignal.register(name, grace);
    Service service;
    try {
      service = factory.create(settings).start();
    } catch (Exception | Error e) {
      stop.closed();
      throw e;
    }
    try (service) {
      System.err.println(name + ": " + service.banner());
      long deadline =
          minutes == null ? Long.MAX_VALUE : System.nanoTime() + (long) (minutes * 60e9);
      long nextPrint = 0;
      String last = "";
      // wake every 200 ms so that the service's own end is noticed at once
      while (!service.finished()
          && System.nanoTime() < deadline
          && !stop.await(200, TimeUnit.MILLISECONDS)) {
        if (System.nanoTime() >= nextPrint) {
          String line = service.statusLine();
          if (!line.equals(last)) {
            System.err.println(name + ": " + line);
            last = line;
          }
          nextPrint = System.nanoTime() + every.toNanos();
        }
      }
      System.err.println(name + ": " + service.statusLine());
      return service.exitCode();
    } finally {
      stop.closed();
    }
  }
}
