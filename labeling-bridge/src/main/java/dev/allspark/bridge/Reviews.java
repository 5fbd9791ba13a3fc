package dev.allspark.bridge;

import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.LabelReview;
import dev.allspark.schemas.ReviewState;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The review queue, where a deployment turns review on ({@code --review}): a submitted mask waits
 * here (compacted topic {@code labels.review}) until a reviewer accepts it (it then goes to {@code
 * labels.masks} as without review, naming the reviewer) or rejects it with a comment (the frame is
 * back in the labelers' queue, with the comment shown).
 */
final class Reviews {
  private final TopicState<LabelReview> state;
  private final Clock clock;

  TopicState<LabelReview> state() {
    return state;
  }

  Reviews(TopicState<LabelReview> state, Clock clock) {
    this.state = state;
    this.clock = clock;
  }

  synchronized void submit(LabelMask mask)
      throws InterruptedException, ExecutionException, TimeoutException {
    state.put(
        mask.getFrameId(),
        LabelReview.newBuilder()
            .setFrameId(mask.getFrameId())
            .setMask(mask)
            .setState(ReviewState.PENDING)
            .setAt(clock.instant())
            .build());
  }

  /** The frame's review entry (pending or rejected), or null. */
  LabelReview get(String frameId) {
    return state.get(frameId);
  }

  /** Masks waiting for a reviewer, oldest first. */
  List<LabelReview> pending() {
    return state.all().values().stream()
        .filter(r -> r.getState() == ReviewState.PENDING)
        .sorted(Comparator.comparing(LabelReview::getAt))
        .toList();
  }

  /** Sends the pending mask back with the comment; false if the frame has no pending mask. */
  synchronized boolean reject(String frameId, String reviewer, String comment)
      throws InterruptedException, ExecutionException, TimeoutException {
    LabelReview r = state.get(frameId);
    if (r == null || r.getState() != ReviewState.PENDING) {
      return false;
    }
    state.put(
        frameId,
        LabelReview.newBuilder(r)
            .setState(ReviewState.REJECTED)
            .setReviewer(reviewer)
            .setComment(comment)
            .setAt(clock.instant())
            .build());
    return true;
  }

  /** The pending mask, marked as accepted by the reviewer; null if there is none. */
  LabelMask accepted(String frameId, String reviewer) {
    LabelReview r = state.get(frameId);
    if (r == null || r.getState() != ReviewState.PENDING) {
      return null;
    }
    return LabelMask.newBuilder(r.getMask()).setReviewer(reviewer).build();
  }

  /** Removes the frame's entry once its mask is on {@code labels.masks}. */
  synchronized void done(String frameId)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (state.get(frameId) != null) {
      state.remove(frameId);
    }
  }
}
