package dev.allspark.model;

/** A checkpoint that is truncated, altered, of an unknown format, or for another network. */
public final class InvalidCheckpointException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidCheckpointException(String message) {
    super(message);
  }

  public InvalidCheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
