package dev.allspark.bridge;

import com.sun.net.httpserver.HttpExchange;
import dev.allspark.ops.OpsServer;
import dev.allspark.schemas.LabelClaim;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.labels.LabelMaps;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** Claiming a frame, releasing it, and the editor's mask ({@code PUT /api/mask}). */
final class ClaimRoutes {
  private static final int MAX_MASK_BYTES = Topic.LABELS_MASKS.maxMessageBytes() - 4096;

  private final LabelingBridge bridge;
  private final MaskSubmission submission;

  ClaimRoutes(LabelingBridge bridge, MaskSubmission submission) {
    this.bridge = bridge;
    this.submission = submission;
  }

  void claim(HttpExchange ex, Labelers.Identity who)
      throws IOException, InterruptedException, ExecutionException, TimeoutException {
    OpsServer.drain(ex);
    LabelRequest r = ApiCalls.requested(bridge, ex);
    if (r == null) {
      return;
    }
    boolean override = Boolean.parseBoolean(OpsServer.query(ex).get("override"));
    Claims.Outcome o = bridge.claims().claim(r.getFrameId(), who.name(), override);
    if (o.conflict() != null) {
      Map<String, Object> b =
          ApiCalls.ordered(
              "error",
              MaskSubmission.taken(o.conflict()),
              "claim",
              MaskSubmission.claimJson(o.conflict()));
      OpsServer.json(ex, 409, b);
      return;
    }
    bridge.claimsMade.increment();
    OpsServer.json(ex, 200, MaskSubmission.claimJson(o.granted()));
  }

  void unclaim(HttpExchange ex, Labelers.Identity who)
      throws IOException, InterruptedException, ExecutionException, TimeoutException {
    OpsServer.drain(ex);
    String id = OpsServer.query(ex).get("frame");
    if (id == null || id.isBlank()) {
      OpsServer.error(ex, 400, "the query parameter frame (a frame id) is required");
      return;
    }
    LabelClaim c = bridge.claims().holder(id);
    if (c != null && !c.getLabeler().equals(who.name()) && !who.reviewer()) {
      OpsServer.error(ex, 409, MaskSubmission.taken(c));
      return;
    }
    bridge.claims().release(id);
    OpsServer.json(ex, 200, ApiCalls.ordered("frameId", id, "released", true));
  }

  void mask(HttpExchange ex, Labelers.Identity who)
      throws IOException, InterruptedException, ExecutionException, TimeoutException {
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("image/png")) {
      OpsServer.drain(ex);
      OpsServer.error(ex, 415, "the mask must be sent as Content-Type: image/png, got " + type);
      return;
    }
    byte[] body = ex.getRequestBody().readNBytes(MAX_MASK_BYTES + 1);
    if (body.length > MAX_MASK_BYTES) {
      OpsServer.drain(ex);
      OpsServer.error(ex, 413, "the mask is over the limit of " + MAX_MASK_BYTES + " bytes");
      return;
    }
    LabelRequest r = ApiCalls.requested(bridge, ex);
    if (r == null) {
      bridge.masksRefused.increment();
      return;
    }
    boolean override = Boolean.parseBoolean(OpsServer.query(ex).get("override"));
    try {
      MaskSubmission.Submitted s = submission.submit(r, body, who, override);
      Map<String, Object> b = ApiCalls.ordered("frameId", r.getFrameId(), "state", s.state());
      if (s.sent() != null) {
        b.put("partition", s.sent().partition());
        b.put("offset", s.sent().offset());
      }
      b.put("labeler", who.name());
      if (s.mask().getChangedShare() != null) {
        b.put("changedShare", s.mask().getChangedShare());
      }
      OpsServer.json(ex, 202, b);
    } catch (LabelMaps.InvalidMaskException e) {
      bridge.masksRefused.increment();
      OpsServer.error(ex, 400, e.getMessage());
    } catch (MaskSubmission.ClaimConflict e) {
      bridge.masksRefused.increment();
      OpsServer.json(
          ex,
          409,
          ApiCalls.ordered(
              "error",
              MaskSubmission.taken(e.holder),
              "claim",
              MaskSubmission.claimJson(e.holder)));
    }
  }
}
