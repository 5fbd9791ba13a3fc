package dev.allspark.ops;

import org.slf4j.MDC;

/**
 * What a log line is about, put in SLF4J's MDC for the lines logged inside a {@code try (var c =
 * LogContext.frame(id)) { ... }}: JSON lines carry it under {@code mdc}, text lines in brackets.
 * One place names the keys so that every service uses the same ones.
 */
public final class LogContext {
  /** A frame id ({@code camera/sequence}), or the record's key when the frame is unreadable. */
  public static final String FRAME = "frame";

  /** A model version. */
  public static final String VERSION = "version";

  /** A training step. */
  public static final String STEP = "step";

  private LogContext() {}

  public static MDC.MDCCloseable frame(String frameId) {
    return MDC.putCloseable(FRAME, String.valueOf(frameId));
  }

  public static MDC.MDCCloseable version(long version) {
    return MDC.putCloseable(VERSION, Long.toString(version));
  }

  public static MDC.MDCCloseable step(long step) {
    return MDC.putCloseable(STEP, Long.toString(step));
  }
}
