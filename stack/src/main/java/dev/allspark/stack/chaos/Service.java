package dev.allspark.stack.chaos;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A product command run as its own operating-system process ({@code java ... AllSparkCommand
 * <command>}), with its output in a log file, so it can be killed as {@code kill -9} would.
 */
final class Service {
  private final String name;
  private final List<String> command;
  private final Map<String, String> env;
  private final Path log;
  private Process process;

  Service(String name, List<String> args, Map<String, String> env, Path dir, String heap) {
    this.name = name;
    this.env = env;
    this.log = dir.resolve(name + ".log");
    List<String> c = new ArrayList<>();
    c.add(ProcessHandle.current().info().command().orElse("java"));
    c.add("-Xmx" + heap);
    c.add("-Dai.djl.offline=true");
    c.add("-cp");
    c.add(System.getProperty("java.class.path"));
    c.addAll(args);
    this.command = c;
  }

  /** A product command: {@code dev.allspark.stack.AllSparkCommand args...}. */
  static Service command(
      String name, List<String> args, Map<String, String> env, Path dir, String heap) {
    List<String> a = new ArrayList<>();
    a.add("dev.allspark.stack.AllSparkCommand");
    a.addAll(args);
    return new Service(name, a, env, dir, heap);
  }

  Service start() throws IOException {
    ProcessBuilder b = new ProcessBuilder(command);
    b.environment().putAll(env);
    b.redirectErrorStream(true);
    b.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    process = b.start();
    return this;
  }

  /** SIGKILL: no shutdown hook, no flush, no commit. */
  void kill9() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** SIGTERM, then SIGKILL after {@code seconds}. */
  void stop(int seconds) throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        kill9();
      }
    }
  }

  /** Peak resident memory of the running process in MiB (Linux {@code VmHWM}), or -1. */
  long peakRssMiB() {
    try {
      for (String line :
          java.nio.file.Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or gone
    }
    return -1;
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  /** Waits for the process to end by itself; returns its exit code, or -1 after the timeout. */
  int await(long seconds) throws InterruptedException {
    return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
  }

  String name() {
    return name;
  }

  Path log() {
    return log;
  }
}
