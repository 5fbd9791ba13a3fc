package dev.allspark.schemas.kafka;

/** How a failure is put in words for a log line, a health body or a dead-letter reason. */
public final class Errors {
  private Errors() {}

  /**
   * A throwable and its causes in one line, {@code "outer; inner; root"}: each one's message, or
   * its kind where the message is missing or only announces what follows; a cause whose message
   * repeats the one before it is left out.
   */
  public static String describe(Throwable e) {
    StringBuilder b = new StringBuilder();
    String previous = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      String part =
          m == null || m.isBlank() || m.strip().endsWith(":")
              ? t.getClass().getSimpleName() + (m == null ? "" : " (" + m.strip() + ")")
              : m.strip();
      if (previous != null && previous.contains(part)) {
        continue;
      }
      b.append(b.length() == 0 ? "" : "; ").append(part);
      previous = part;
    }
    return b.toString();
  }
}
