package dev.allspark.bridge;

import dev.allspark.schemas.LabelClaim;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.labels.LabelMaps;
import dev.allspark.schemas.labels.MaskCheck;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The one way a mask enters the bridge (the editor's PUT, a folder import, a COCO import): checked
 * against its frame, refused while another labeler holds the frame's claim, recorded with who sent
 * it, then sent to {@code labels.masks} or to the review queue.
 */
final class MaskSubmission {
  private final LabelingBridge bridge;
  private final MaskCheck check;

  MaskSubmission(LabelingBridge bridge) {
    this.bridge = bridge;
    this.check = new MaskCheck(bridge.classes());
  }

  /** Another labeler holds the frame's claim. */
  static final class ClaimConflict extends Exception {
    final transient LabelClaim holder;

    ClaimConflict(LabelClaim holder) {
      super(taken(holder));
      this.holder = holder;
    }
  }

  /** What became of a submission: {@code sent} to labels.masks, or {@code in-review}. */
  record Submitted(String state, LabelMask mask, RecordMetadata sent) {}

  /**
   * The one way a mask enters: checked against the frame, refused while another labeler holds the
   * frame's claim (unless overridden), recorded with who sent it, the time since their claim and
   * how much it differs from the prediction, then sent to {@code labels.masks} (or to the review
   * queue where review is on); the claim is released.
   */
  Submitted submit(LabelRequest r, byte[] png, Labelers.Identity who, boolean override)
      throws LabelMaps.InvalidMaskException,
          ClaimConflict,
          InterruptedException,
          ExecutionException,
          TimeoutException {
    LabelMaps.LabelMap map = check.read(png, r.getFrame());
    String frameId = r.getFrameId();
    LabelClaim holder = bridge.claims().holder(frameId);
    if (holder != null && !holder.getLabeler().equals(who.name()) && !override) {
      throw new ClaimConflict(holder);
    }
    Instant now = bridge.clock().instant();
    LabelMask.Builder mask =
        LabelMask.newBuilder()
            .setFrameId(frameId)
            .setMask(ByteBuffer.wrap(LabelMaps.grayPng(map)))
            .setWidth(map.width())
            .setHeight(map.height())
            .setClassSetVersion(bridge.classes().id())
            .setLabeler(who.name())
            .setLabeledAt(now);
    if (holder != null && holder.getLabeler().equals(who.name())) {
      mask.setSecondsSpent(
          (float) (Duration.between(holder.getClaimedAt(), now).toMillis() / 1000.0));
    }
    MaskChange change = MaskChange.of(r, map, bridge.classes());
    if (change != null) {
      mask.setPredictionVersion(r.getModelVersion())
          .setChangedShare(change.share())
          .setChangedByClass(change.byClass());
    }
    LabelMask m = mask.build();
    Submitted s;
    if (bridge.reviewOn()) {
      bridge.reviews().submit(m);
      s = new Submitted("in-review", m, null);
    } else {
      s = new Submitted("sent", m, bridge.send(m));
    }
    bridge.claims().release(frameId);
    return s;
  }

  static Map<String, Object> claimJson(LabelClaim c) {
    Map<String, Object> m =
        ApiCalls.ordered(
            "frameId", c.getFrameId(),
            "labeler", c.getLabeler(),
            "claimedAt", c.getClaimedAt().toString(),
            "expiresAt", c.getExpiresAt().toString());
    if (c.getTookOverFrom() != null) {
      m.put("tookOverFrom", c.getTookOverFrom());
    }
    return m;
  }

  static String taken(LabelClaim c) {
    return "frame "
        + c.getFrameId()
        + " is claimed by "
        + c.getLabeler()
        + " until "
        + c.getExpiresAt()
        + "; wait for it to expire, or take it over explicitly with override=true";
  }
}
