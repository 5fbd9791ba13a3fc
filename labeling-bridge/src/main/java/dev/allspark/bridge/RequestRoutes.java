package dev.allspark.bridge;

import com.sun.net.httpserver.HttpExchange;
import dev.allspark.ops.OpsServer;
import dev.allspark.schemas.LabelClaim;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.LabelReview;
import dev.allspark.schemas.ReviewState;
import dev.allspark.schemas.labels.LabelMaps;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/** The open label requests: the labelers' list, and as COCO pre-annotations for another tool. */
final class RequestRoutes {
  private final LabelingBridge bridge;

  RequestRoutes(LabelingBridge bridge) {
    this.bridge = bridge;
  }

  void requests(HttpExchange ex, Labelers.Identity who) throws IOException {
    Map<String, String> q = OpsServer.query(ex);
    int limit;
    try {
      limit = Integer.parseInt(q.getOrDefault("limit", "100"));
    } catch (NumberFormatException e) {
      OpsServer.error(ex, 400, "limit must be a number, got '" + q.get("limit") + "'");
      return;
    }
    if (limit < 1 || limit > 10_000) {
      OpsServer.error(ex, 400, "limit must be 1..10000, got " + limit);
      return;
    }
    boolean all = Boolean.parseBoolean(q.getOrDefault("all", "false"));
    Map<String, LabelClaim> claims = bridge.claims().active();
    List<Map<String, Object>> rows = new ArrayList<>();
    int open = 0;
    try (KeyValueIterator<String, ValueAndTimestamp<LabelRequest>> it = bridge.requests().all()) {
      while (it.hasNext()) {
        KeyValue<String, ValueAndTimestamp<LabelRequest>> kv = it.next();
        LabelRequest r = kv.value.value();
        LabelStatus st = bridge.status(kv.key);
        boolean labeled = st != null && st.labeled();
        if (!labeled) {
          open++;
        }
        if (labeled && !all) {
          continue;
        }
        rows.add(request(kv.key, r, st, claims.get(kv.key), bridge.reviews().get(kv.key), who));
      }
    }
    rows.sort(
        Comparator.comparing(
                (Map<String, Object> row) -> Instant.parse((String) row.get("requestedAt")))
            .reversed());
    OpsServer.json(
        ex,
        200,
        ApiCalls.ordered("open", open, "requests", rows.subList(0, Math.min(limit, rows.size()))));
  }

  static Map<String, Object> request(
      String id,
      LabelRequest r,
      LabelStatus st,
      LabelClaim claim,
      LabelReview review,
      Labelers.Identity who) {
    String state = st == null ? "open" : st.state();
    if (review != null
        && review.getState() == ReviewState.PENDING
        && (st == null || !st.labeled())) {
      state = "in-review";
    }
    Map<String, Object> row =
        ApiCalls.ordered(
            "frameId", id,
            "reason", r.getReason().name().toLowerCase(java.util.Locale.ROOT),
            "score", Float.isFinite(r.getScore()) ? r.getScore() : 0f,
            "modelVersion", r.getModelVersion(),
            "requestedAt", r.getRequestedAt().toString(),
            "width", r.getFrame().getWidth(),
            "height", r.getFrame().getHeight(),
            "camera", r.getFrame().getCameraId(),
            "state", state,
            "prediction", r.getPrediction() != null);
    if (claim != null) {
      row.put(
          "claim",
          ApiCalls.ordered(
              "labeler", claim.getLabeler(),
              "expiresAt", claim.getExpiresAt().toString(),
              "mine", claim.getLabeler().equals(who.name())));
    }
    if (review != null && review.getState() == ReviewState.REJECTED) {
      row.put(
          "review",
          ApiCalls.ordered(
              "state", "rejected",
              "reviewer", String.valueOf(review.getReviewer()),
              "comment", String.valueOf(review.getComment())));
    }
    return row;
  }

  /** The open requests with the model's masks, as COCO: pre-annotations for another tool. */
  void export(HttpExchange ex) throws IOException {
    String format = OpsServer.query(ex).getOrDefault("format", "coco");
    if (!format.equals("coco")) {
      OpsServer.error(ex, 400, "format must be coco, got '" + format + "'");
      return;
    }
    List<Coco.Item> items = new ArrayList<>();
    try (KeyValueIterator<String, ValueAndTimestamp<LabelRequest>> it = bridge.requests().all()) {
      while (it.hasNext()) {
        var kv = it.next();
        LabelStatus st = bridge.status(kv.key);
        LabelRequest r = kv.value.value();
        if ((st != null && st.labeled()) || r.getPrediction() == null) {
          continue;
        }
        try {
          items.add(
              new Coco.Item(
                  kv.key,
                  LabelMaps.read(ApiCalls.bytes(r.getPrediction()), bridge.classes()),
                  r.getModelVersion()));
        } catch (LabelMaps.InvalidMaskException e) {
          // a prediction of another class set: not exported, said in the log
          org.slf4j.LoggerFactory.getLogger(RequestRoutes.class)
              .warn("frame {}: prediction not exported: {}", kv.key, e.getMessage());
        }
      }
    }
    items.sort(Comparator.comparing(Coco.Item::frameId));
    ex.getResponseHeaders()
        .set("Content-Disposition", "attachment; filename=\"allspark-requests.coco.json\"");
    OpsServer.json(ex, 200, Coco.export(items, bridge.classes()));
  }
}
