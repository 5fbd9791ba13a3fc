package dev.allspark.schemas.kafka;

import java.time.Duration;

/**
 * The pause between attempts of a client loop that retries (a broker away, a leader moving): it
 * starts short, doubles after every failure up to a ceiling, and starts short again after a
 * success. One instance per loop; not thread-safe.
 */
public final class Backoff {
  private final long firstMillis;
  private final long maxMillis;
  private long nextMillis;

  public Backoff(Duration first, Duration max) {
    if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
      throw new IllegalArgumentException(
          "backoff needs 0 < first <= max, got " + first + ", " + max);
    }
    this.firstMillis = first.toMillis();
    this.maxMillis = max.toMillis();
    this.nextMillis = firstMillis;
  }

  /** 250 ms doubling up to 30 s: what every service's client loops use. */
  public static Backoff standard() {
    return new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30));
  }

  /** The pause to take now; the one after it is twice as long, up to the ceiling. */
  public long nextMillis() {
    long now = nextMillis;
    nextMillis = Math.min(maxMillis, nextMillis * 2);
    return now;
  }

  /** Sleeps for {@link #nextMillis()}. */
  public void pause() throws InterruptedException {
    Thread.sleep(nextMillis());
  }

  /** After a success: the next failure waits the shortest pause again. */
  public void reset() {
    nextMillis = firstMillis;
  }
}
