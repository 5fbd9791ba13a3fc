package dev.allspark.trainer;

import java.io.PrintStream;
import java.time.Duration;

/**
 * A progress line for long work: on a terminal it redraws one line; otherwise (logs, CI) it prints
 * a line every few percent, so nothing floods the log.
 */
public final class ProgressLine {
  private final PrintStream out;
  private final String label;
  private final long total;
  private final boolean terminal;
  private final long started = System.nanoTime();
  private long lastPrinted = -1;

  public ProgressLine(PrintStream out, String label, long total) {
    this.out = out;
    this.label = label;
    this.total = total;
    this.terminal = System.console() != null && !"dumb".equals(System.getenv("TERM"));
  }

  /** Reports {@code done} of total, with a free-form status. */
  public void update(long done, String status) {
    long step = Math.max(1, total / 50);
    if (!terminal && done != total && done - lastPrinted < step && lastPrinted >= 0) {
      return;
    }
    lastPrinted = done;
    double seconds = (System.nanoTime() - started) / 1e9;
    double rate = done / Math.max(seconds, 1e-9);
    long eta = rate > 0 ? (long) ((total - done) / rate) : 0;
    int width = 24;
    int filled = (int) (width * done / Math.max(total, 1));
    String bar = "#".repeat(filled) + ".".repeat(width - filled);
    String line =
        String.format(
            "%s %d/%d [%s] %s %.2f it/s ETA %s",
            label, done, total, bar, status, rate, format(Duration.ofSeconds(eta)));
    if (terminal) {
      out.print("\r" + line + (done == total ? "\n" : ""));
    } else {
      out.println(line);
    }
    out.flush();
  }

  static String format(Duration d) {
    long s = d.getSeconds();
    return s >= 3600
        ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60)
        : String.format("%dm%02ds", s / 60, s % 60);
  }
}
