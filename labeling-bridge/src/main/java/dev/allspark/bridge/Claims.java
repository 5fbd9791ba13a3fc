package dev.allspark.bridge;

import dev.allspark.schemas.LabelClaim;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Who is labeling which frame: a labeler claims a requested frame for a while ({@code
 * --claim-seconds}); the queue shows it as taken; another labeler can neither claim it nor submit a
 * mask for it until the claim expires, unless they override it explicitly (the claim then names
 * whom it was taken from). Submitting releases the claim. Claims live in the compacted {@code
 * labels.claims} topic, so they survive a restart of the bridge.
 */
final class Claims {
  /** A claim that was granted, or the other labeler's claim that stood in the way. */
  record Outcome(LabelClaim granted, LabelClaim conflict) {}

  private final TopicState<LabelClaim> state;
  private final Clock clock;

  TopicState<LabelClaim> state() {
    return state;
  }

  private final Duration ttl;

  Claims(TopicState<LabelClaim> state, Clock clock, Duration ttl) {
    this.state = state;
    this.clock = clock;
    this.ttl = ttl;
  }

  Duration ttl() {
    return ttl;
  }

  /** Claims (or renews) the frame for the labeler; refused while another holds it. */
  synchronized Outcome claim(String frameId, String labeler, boolean override)
      throws InterruptedException, ExecutionException, TimeoutException {
    LabelClaim holder = holder(frameId);
    String tookOver = null;
    if (holder != null && !holder.getLabeler().equals(labeler)) {
      if (!override) {
        return new Outcome(null, holder);
      }
      tookOver = holder.getLabeler();
    }
    Instant now = clock.instant();
    LabelClaim c =
        LabelClaim.newBuilder()
            .setFrameId(frameId)
            .setLabeler(labeler)
            .setClaimedAt(
                holder != null && holder.getLabeler().equals(labeler)
                    ? holder.getClaimedAt() // a renewal keeps the start: time spent counts from it
                    : now)
            .setExpiresAt(now.plus(ttl))
            .setTookOverFrom(tookOver)
            .build();
    state.put(frameId, c);
    return new Outcome(c, null);
  }

  /** The unexpired claim on the frame, or null. */
  LabelClaim holder(String frameId) {
    LabelClaim c = state.get(frameId);
    return c == null || !c.getExpiresAt().isAfter(clock.instant()) ? null : c;
  }

  /** The labeler's own unexpired claim, or null. */
  LabelClaim own(String frameId, String labeler) {
    LabelClaim c = holder(frameId);
    return c != null && c.getLabeler().equals(labeler) ? c : null;
  }

  /** Unexpired claims by frame id. */
  Map<String, LabelClaim> active() {
    Map<String, LabelClaim> out = new HashMap<>();
    Instant now = clock.instant();
    state
        .all()
        .forEach(
            (k, c) -> {
              if (c.getExpiresAt().isAfter(now)) {
                out.put(k, c);
              }
            });
    return out;
  }

  /** Removes the frame's claim (expired or not). */
  synchronized void release(String frameId)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (state.get(frameId) != null) {
      state.remove(frameId);
    }
  }
}
