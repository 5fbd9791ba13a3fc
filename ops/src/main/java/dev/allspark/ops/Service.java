package dev.allspark.ops;

/**
 * A long-running service as its command runs it ({@code allspark inference}, {@code ingest}, {@code
 * trainer}, {@code labeling-bridge}): what it prints when it has started, its status line, and
 * whether it has ended on its own. The service knows these; {@link ServiceCommand} prints them and
 * closes it.
 */
public interface Service extends AutoCloseable {
  /** Starts its threads and endpoints; returns at once. */
  Service start();

  /** Printed once it has started: where it listens, what it reads. */
  String banner();

  /** A one-line status, printed whenever it changes and once more when it has stopped. */
  String statusLine();

  /** True when it has ended on its own (a finite replay, a failure); most run until stopped. */
  default boolean finished() {
    return false;
  }

  /** The process's exit code once it has stopped: 0, or 1 after a failure. */
  default int exitCode() {
    return 0;
  }

  /** Stops it (within its grace) and releases what it holds; no checked exception. */
  @Override
  void close();
}
