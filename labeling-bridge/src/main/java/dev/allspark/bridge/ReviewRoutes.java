package dev.allspark.bridge;

import com.sun.net.httpserver.HttpExchange;
import dev.allspark.ops.OpsServer;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.LabelReview;
import dev.allspark.schemas.ReviewState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The reviewer's routes: masks waiting, one mask, the decision; and a rejected mask for its
 * labeler.
 */
final class ReviewRoutes {
  private static final int MAX_COMMENT_CHARS = 2000;

  private final LabelingBridge bridge;

  ReviewRoutes(LabelingBridge bridge) {
    this.bridge = bridge;
  }

  void reviews(HttpExchange ex) throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (LabelReview r : bridge.reviews().pending()) {
      LabelMask m = r.getMask();
      Map<String, Object> row =
          ApiCalls.ordered(
              "frameId", r.getFrameId(),
              "labeler", m.getLabeler(),
              "submittedAt", r.getAt().toString());
      if (m.getSecondsSpent() != null) {
        row.put("secondsSpent", m.getSecondsSpent());
      }
      if (m.getChangedShare() != null) {
        row.put("changedShare", m.getChangedShare());
        row.put("predictionVersion", m.getPredictionVersion());
      }
      rows.add(row);
    }
    OpsServer.json(ex, 200, ApiCalls.ordered("pending", rows));
  }

  /** The mask waiting for review, for the reviewer. */
  void reviewMask(HttpExchange ex) throws IOException {
    mask(ex, ReviewState.PENDING, "has no mask waiting for review");
  }

  /** The mask a reviewer sent back, for the labeler to continue from. */
  void returned(HttpExchange ex) throws IOException {
    mask(ex, ReviewState.REJECTED, "has no mask sent back by a reviewer");
  }

  private void mask(HttpExchange ex, ReviewState state, String missing) throws IOException {
    String id = OpsServer.query(ex).get("frame");
    LabelReview r = id == null ? null : bridge.reviews().get(id);
    if (r == null || r.getState() != state) {
      OpsServer.error(ex, 404, "frame " + id + " " + missing);
      return;
    }
    OpsServer.send(ex, 200, "image/png", ApiCalls.bytes(r.getMask().getMask()));
  }

  void review(HttpExchange ex, Labelers.Identity who)
      throws IOException, InterruptedException, ExecutionException, TimeoutException {
    byte[] body = ex.getRequestBody().readNBytes(4 * MAX_COMMENT_CHARS + 1);
    OpsServer.drain(ex);
    Map<String, String> q = OpsServer.query(ex);
    String id = q.get("frame");
    String decision = q.getOrDefault("decision", "");
    String comment = new String(body, StandardCharsets.UTF_8).strip();
    if (id == null || id.isBlank()) {
      OpsServer.error(ex, 400, "the query parameter frame (a frame id) is required");
      return;
    }
    switch (decision) {
      case "accept" -> {
        LabelMask m = bridge.reviews().accepted(id, who.name());
        if (m == null) {
          OpsServer.error(ex, 404, "frame " + id + " has no mask waiting for review");
          return;
        }
        RecordMetadata md = bridge.send(m);
        bridge.reviews().done(id);
        bridge.reviewsAccepted.increment();
        OpsServer.json(
            ex,
            200,
            ApiCalls.ordered(
                "frameId", id,
                "state", "sent",
                "reviewer", who.name(),
                "partition", md.partition(),
                "offset", md.offset()));
      }
      case "reject" -> {
        if (comment.isEmpty() || comment.length() > MAX_COMMENT_CHARS) {
          OpsServer.error(
              ex,
              400,
              "a rejection needs a comment (the request body, 1-"
                  + MAX_COMMENT_CHARS
                  + " characters) telling the labeler what to fix");
          return;
        }
        if (!bridge.reviews().reject(id, who.name(), comment)) {
          OpsServer.error(ex, 404, "frame " + id + " has no mask waiting for review");
          return;
        }
        bridge.reviewsRejected.increment();
        OpsServer.json(
            ex,
            200,
            ApiCalls.ordered(
                "frameId", id, "state", "rejected", "reviewer", who.name(), "comment", comment));
      }
      default ->
          OpsServer.error(ex, 400, "decision must be accept or reject, got '" + decision + "'");
    }
  }
}
