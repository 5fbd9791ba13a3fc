package dev.allspark.inference;

import dev.allspark.schemas.LabelReason;
import java.util.Arrays;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * Which frames to send for labeling: those whose uncertainty (mean per-pixel entropy) is in the top
 * of the recent frames, plus a random audit sample, within a budget of requests per minute (token
 * bucket) and a fraction of all frames seen. Not thread-safe (the worker calls it).
 */
final class LabelRequestPolicy {
  /** Recent uncertainties the threshold is taken from. */
  static final int WINDOW = 512;

  /** Frames seen before uncertainty picks anything (the threshold needs a sample). */
  static final int MIN_SAMPLE = 20;

  private final double perMinute;
  private final double fraction;
  private final double audit;
  private final Random random;
  private final LongSupplier clock;
  private final float[] window = new float[WINDOW];
  private int filled;
  private int next;
  private long seen;
  private long requested;
  private double tokens;
  private long lastRefill;

  LabelRequestPolicy(
      double perMinute, double fraction, double audit, long seed, LongSupplier clockMillis) {
    this.perMinute = perMinute;
    this.fraction = fraction;
    this.audit = audit;
    this.random = new Random(seed);
    this.clock = clockMillis;
    this.tokens = Math.min(1, perMinute);
    this.lastRefill = clockMillis.getAsLong();
  }

  /** The reason to request this frame, or null to let it pass. */
  LabelReason decide(float uncertainty) {
    seen++;
    boolean auditPick = random.nextDouble() < audit;
    boolean uncertainPick = filled >= MIN_SAMPLE && uncertainty >= threshold();
    window[next] = uncertainty;
    next = (next + 1) % WINDOW;
    filled = Math.min(WINDOW, filled + 1);
    LabelReason reason =
        auditPick ? LabelReason.RANDOM_AUDIT : uncertainPick ? LabelReason.UNCERTAINTY : null;
    if (reason == null || !withinBudget()) {
      return null;
    }
    tokens -= 1;
    requested++;
    return reason;
  }

  /** The uncertainty above which a frame is among the top (fraction - audit) of recent ones. */
  float threshold() {
    float[] sorted = Arrays.copyOf(window, filled);
    Arrays.sort(sorted);
    double top = Math.max(fraction - audit, 0);
    int index = (int) Math.floor((1 - top) * (filled - 1));
    return top <= 0 ? Float.POSITIVE_INFINITY : sorted[Math.min(filled - 1, Math.max(0, index))];
  }

  private boolean withinBudget() {
    long now = clock.getAsLong();
    tokens = Math.min(Math.max(1, perMinute), tokens + (now - lastRefill) * perMinute / 60_000d);
    lastRefill = now;
    return perMinute > 0 && tokens >= 1 && requested + 1 <= fraction * seen;
  }

  long requested() {
    return requested;
  }
}
