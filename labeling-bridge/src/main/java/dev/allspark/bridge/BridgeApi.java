package dev.allspark.bridge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.allspark.ops.OpsServer;
import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.ImageEncoding;
import dev.allspark.schemas.LabelClaim;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.LabelReview;
import dev.allspark.schemas.ReviewState;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.labels.LabelMaps;
import dev.allspark.schemas.labels.MaskCheck;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * The labelers' HTTP API and page. The page, its assets and the class set are open; every other
 * call needs {@code Authorization: Bearer <token>}, and the token's owner ({@link Labelers}) is who
 * is recorded: no header names the labeler. Frame ids go in the query string ({@code ?frame=}),
 * since they contain slashes. The routes are listed in the bridge's README.
 */
final class BridgeApi implements HttpHandler {
  private static final int MAX_MASK_BYTES = Topic.LABELS_MASKS.maxMessageBytes() - 4096;
  private static final int MAX_COCO_BYTES = 64 << 20;
  private static final int MAX_COMMENT_CHARS = 2000;

  private final LabelingBridge bridge;
  private final MaskCheck check;
  private final BearerAuth auth;

  BridgeApi(LabelingBridge bridge) {
    this.bridge = bridge;
    this.check = new MaskCheck(bridge.classes());
    this.auth = new BearerAuth(bridge.labelers(), bridge.unauthorized);
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String method = ex.getRequestMethod();
    try {
      switch (path) {
        case "/", "/index.html" -> page(ex, method, "index.html", "text/html; charset=utf-8");
        case "/app.js" -> page(ex, method, "app.js", "text/javascript; charset=utf-8");
        case "/editor.js" -> page(ex, method, "editor.js", "text/javascript; charset=utf-8");
        case "/app.css" -> page(ex, method, "app.css", "text/css; charset=utf-8");
        case "/api/classes" -> only(ex, method, "GET", () -> classes(ex));
        case "/api/me" -> only(ex, method, "GET", () -> as(ex, who -> me(ex, who)));
        case "/api/requests" -> only(ex, method, "GET", () -> as(ex, who -> requests(ex, who)));
        case "/api/image" -> only(ex, method, "GET", () -> as(ex, who -> image(ex)));
        case "/api/prediction" -> only(ex, method, "GET", () -> as(ex, who -> prediction(ex)));
        case "/api/status" -> only(ex, method, "GET", () -> as(ex, who -> status(ex)));
        case "/api/claim" -> claimRoute(ex, method);
        case "/api/mask" -> only(ex, method, "PUT", () -> as(ex, who -> mask(ex, who)));
        case "/api/import" -> only(ex, method, "POST", () -> as(ex, who -> importFolder(ex, who)));
        case "/api/import/coco" ->
            only(ex, method, "POST", () -> as(ex, who -> importCoco(ex, who)));
        case "/api/returned" -> only(ex, method, "GET", () -> as(ex, who -> returned(ex)));
        case "/api/export" -> only(ex, method, "GET", () -> as(ex, who -> export(ex)));
        case "/api/reviews" ->
            only(ex, method, "GET", () -> as(ex, who -> reviewer(ex, who, () -> reviews(ex))));
        case "/api/review/mask" ->
            only(ex, method, "GET", () -> as(ex, who -> reviewer(ex, who, () -> reviewMask(ex))));
        case "/api/review" ->
            only(ex, method, "POST", () -> as(ex, who -> reviewer(ex, who, () -> review(ex, who))));
        default -> OpsServer.error(ex, 404, "no such route: " + method + " " + path);
      }
    } catch (InvalidStateStoreException e) {
      OpsServer.error(
          ex,
          503,
          "the bridge is not ready (Kafka Streams is "
              + bridge.state()
              + "): its stores are still being restored, try again shortly");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      OpsServer.error(ex, 503, "interrupted");
    } catch (ExecutionException | TimeoutException e) {
      OpsServer.error(ex, 503, "Kafka did not take the write: " + e);
    } catch (RuntimeException e) {
      OpsServer.error(ex, 500, "internal error: " + e);
    }
  }

  private interface Action {
    void run() throws IOException, InterruptedException, ExecutionException, TimeoutException;
  }

  private interface AsCaller {
    void run(Labelers.Identity who)
        throws IOException, InterruptedException, ExecutionException, TimeoutException;
  }

  private static void only(HttpExchange ex, String method, String allowed, Action action)
      throws IOException, InterruptedException, ExecutionException, TimeoutException {
    if (!method.equals(allowed)) {
      ex.getResponseHeaders().set("Allow", allowed);
      OpsServer.drain(ex);
      OpsServer.error(ex, 405, "use " + allowed);
      return;
    }
    action.run();
  }

  /** Runs the action as the token's owner, or answers 401/403. */
  private void as(HttpExchange ex, AsCaller action)
      throws IOException, InterruptedException, ExecutionException, TimeoutException {
    Labelers.Identity who = auth.check(ex);
    if (who != null) {
      action.run(who);
    }
  }

  private void reviewer(HttpExchange ex, Labelers.Identity who, Action action)
      throws IOException, InterruptedException, ExecutionException, TimeoutException {
    if (!bridge.reviewOn()) {
      OpsServer.drain(ex);
      OpsServer.error(ex, 404, "review is off on this bridge (start it with --review)");
      return;
    }
    if (!who.reviewer()) {
      OpsServer.drain(ex);
      OpsServer.error(
          ex, 403, who.name() + " is not a reviewer (the labelers file gives the role)");
      return;
    }
    action.run();
  }

  private void page(HttpExchange ex, String method, String name, String type) throws IOException {
    if (!method.equals("GET")) {
      OpsServer.error(ex, 405, "use GET");
      return;
    }
    OpsServer.resource(ex, BridgeApi.class, "/bridge-web/" + name, type);
  }

  private void classes(HttpExchange ex) throws IOException {
    var cs = bridge.classes();
    List<Map<String, Object>> classes = new ArrayList<>();
    for (int c = 0; c < cs.size(); c++) {
      int[] col = cs.colors().get(c);
      classes.add(
          ordered(
              "id", c,
              "name", cs.names().get(c),
              "color", String.format("#%02x%02x%02x", col[0], col[1], col[2])));
    }
    OpsServer.json(ex, 200, ordered("id", cs.id(), "void", cs.voidLabel(), "classes", classes));
  }

  private void me(HttpExchange ex, Labelers.Identity who) throws IOException {
    OpsServer.json(
        ex,
        200,
        ordered(
            "labeler", who.name(),
            "reviewer", who.reviewer() && bridge.reviewOn(),
            "review", bridge.reviewOn(),
            "claimSeconds", bridge.claims().ttl().toSeconds()));
  }

  /** A map that keeps the order its keys are given in: key, value, key, value, ... */
  private static Map<String, Object> ordered(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  private void requests(HttpExchange ex, Labelers.Identity who) throws IOException {
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
        ex, 200, ordered("open", open, "requests", rows.subList(0, Math.min(limit, rows.size()))));
  }

  private static Map<String, Object> request(
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
        ordered(
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
          ordered(
              "labeler", claim.getLabeler(),
              "expiresAt", claim.getExpiresAt().toString(),
              "mine", claim.getLabeler().equals(who.name())));
    }
    if (review != null && review.getState() == ReviewState.REJECTED) {
      row.put(
          "review",
          ordered(
              "state", "rejected",
              "reviewer", String.valueOf(review.getReviewer()),
              "comment", String.valueOf(review.getComment())));
    }
    return row;
  }

  /** The request for {@code ?frame=}, or null after answering 400/404. */
  private LabelRequest requested(HttpExchange ex) throws IOException {
    String id = OpsServer.query(ex).get("frame");
    if (id == null || id.isBlank()) {
      OpsServer.error(ex, 400, "the query parameter frame (a frame id) is required");
      return null;
    }
    ValueAndTimestamp<LabelRequest> r = bridge.requests().get(id);
    if (r == null) {
      OpsServer.error(ex, 404, "frame " + id + " has no label request");
      return null;
    }
    return r.value();
  }

  private void image(HttpExchange ex) throws IOException {
    LabelRequest r = requested(ex);
    if (r == null) {
      return;
    }
    CameraFrame f = r.getFrame();
    if (f.getImage() == null || !f.getImage().hasRemaining()) {
      OpsServer.error(ex, 404, "frame " + r.getFrameId() + " has no inline image");
      return;
    }
    ex.getResponseHeaders().set("Cache-Control", "max-age=3600");
    OpsServer.send(
        ex,
        200,
        f.getEncoding() == ImageEncoding.JPEG ? "image/jpeg" : "image/png",
        bytes(f.getImage()));
  }

  static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  /** The choosing model's mask for the frame: the editor's starting point. */
  private void prediction(HttpExchange ex) throws IOException {
    LabelRequest r = requested(ex);
    if (r == null) {
      return;
    }
    if (r.getPrediction() == null) {
      OpsServer.error(
          ex,
          404,
          "frame "
              + r.getFrameId()
              + " has no prediction (requested before any model existed, or by hand): start from"
              + " an empty mask");
      return;
    }
    ex.getResponseHeaders().set("X-Model-Version", String.valueOf(r.getModelVersion()));
    OpsServer.send(ex, 200, "image/png", bytes(r.getPrediction()));
  }

  private void status(HttpExchange ex) throws IOException {
    String id = OpsServer.query(ex).get("frame");
    if (id == null || id.isBlank()) {
      OpsServer.error(ex, 400, "the query parameter frame (a frame id) is required");
      return;
    }
    boolean requested = bridge.requests().get(id) != null;
    LabelStatus st = bridge.status(id);
    Map<String, Object> b =
        ordered(
            "frameId", id,
            "requested", requested,
            "state", st != null ? st.state() : requested ? "open" : "unknown");
    if (st != null) {
      b.put("at", Instant.ofEpochMilli(st.at()).toString());
      if (st.labeler() != null) {
        b.put("labeler", st.labeler());
      }
      if (st.reason() != null) {
        b.put("reason", st.reason());
      }
    }
    OpsServer.json(ex, 200, b);
  }

  private void claimRoute(HttpExchange ex, String method)
      throws IOException, InterruptedException, ExecutionException, TimeoutException {
    switch (method) {
      case "POST" -> as(ex, who -> claim(ex, who));
      case "DELETE" -> as(ex, who -> unclaim(ex, who));
      default -> {
        ex.getResponseHeaders().set("Allow", "POST, DELETE");
        OpsServer.drain(ex);
        OpsServer.error(ex, 405, "use POST (claim) or DELETE (release)");
      }
    }
  }

  private static Map<String, Object> claimJson(LabelClaim c) {
    Map<String, Object> m =
        ordered(
            "frameId", c.getFrameId(),
            "labeler", c.getLabeler(),
            "claimedAt", c.getClaimedAt().toString(),
            "expiresAt", c.getExpiresAt().toString());
    if (c.getTookOverFrom() != null) {
      m.put("tookOverFrom", c.getTookOverFrom());
    }
    return m;
  }

  private static String taken(LabelClaim c) {
    return "frame "
        + c.getFrameId()
        + " is claimed by "
        + c.getLabeler()
        + " until "
        + c.getExpiresAt()
        + "; wait for it to expire, or take it over explicitly with override=true";
  }

  private void claim(HttpExchange ex, Labelers.Identity who)
      throws IOException, InterruptedException, ExecutionException, TimeoutException {
    OpsServer.drain(ex);
    LabelRequest r = requested(ex);
    if (r == null) {
      return;
    }
    boolean override = Boolean.parseBoolean(OpsServer.query(ex).get("override"));
    Claims.Outcome o = bridge.claims().claim(r.getFrameId(), who.name(), override);
    if (o.conflict() != null) {
      Map<String, Object> b =
          ordered("error", taken(o.conflict()), "claim", claimJson(o.conflict()));
      OpsServer.json(ex, 409, b);
      return;
    }
    bridge.claimsMade.increment();
    OpsServer.json(ex, 200, claimJson(o.granted()));
  }

  private void unclaim(HttpExchange ex, Labelers.Identity who)
      throws IOException, InterruptedException, ExecutionException, TimeoutException {
    OpsServer.drain(ex);
    String id = OpsServer.query(ex).get("frame");
    if (id == null || id.isBlank()) {
      OpsServer.error(ex, 400, "the query parameter frame (a frame id) is required");
      return;
    }
    LabelClaim c = bridge.claims().holder(id);
    if (c != null && !c.getLabeler().equals(who.name()) && !who.reviewer()) {
      OpsServer.error(ex, 409, taken(c));
      return;
    }
    bridge.claims().release(id);
    OpsServer.json(ex, 200, ordered("frameId", id, "released", true));
  }

  private void mask(HttpExchange ex, Labelers.Identity who)
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
    LabelRequest r = requested(ex);
    if (r == null) {
      bridge.masksRefused.increment();
      return;
    }
    boolean override = Boolean.parseBoolean(OpsServer.query(ex).get("override"));
    try {
      Submitted s = submit(r, body, who, override);
      Map<String, Object> b = ordered("frameId", r.getFrameId(), "state", s.state());
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
    } catch (ClaimConflict e) {
      bridge.masksRefused.increment();
      OpsServer.json(ex, 409, ordered("error", taken(e.holder), "claim", claimJson(e.holder)));
    }
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

  private void importFolder(HttpExchange ex, Labelers.Identity who)
      throws IOException, InterruptedException {
    OpsServer.drain(ex);
    MaskImport.Result r =
        new MaskImport(bridge, (request, png) -> submit(request, png, who, false))
            .run(OpsServer.query(ex).get("folder"));
    OpsServer.json(ex, r.status(), r.body());
  }

  private void importCoco(HttpExchange ex, Labelers.Identity who)
      throws IOException, InterruptedException {
    byte[] body = ex.getRequestBody().readNBytes(MAX_COCO_BYTES + 1);
    if (body.length > MAX_COCO_BYTES) {
      OpsServer.drain(ex);
      OpsServer.error(ex, 413, "the COCO file is over the limit of " + MAX_COCO_BYTES + " bytes");
      return;
    }
    List<Coco.Read> masks;
    try {
      masks = Coco.read(body, bridge.classes());
    } catch (Coco.BadCoco e) {
      OpsServer.error(ex, 400, "the COCO file cannot be imported: " + e.getMessage());
      return;
    }
    MaskImport.Result r =
        new MaskImport(bridge, (request, png) -> submit(request, png, who, false)).masks(masks);
    OpsServer.json(ex, r.status(), r.body());
  }

  /** The open requests with the model's masks, as COCO: pre-annotations for another tool. */
  private void export(HttpExchange ex) throws IOException {
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
                  LabelMaps.read(bytes(r.getPrediction()), bridge.classes()),
                  r.getModelVersion()));
        } catch (LabelMaps.InvalidMaskException e) {
          // a prediction of another class set: not exported, said in the log
          org.slf4j.LoggerFactory.getLogger(BridgeApi.class)
              .warn("frame {}: prediction not exported: {}", kv.key, e.getMessage());
        }
      }
    }
    items.sort(Comparator.comparing(Coco.Item::frameId));
    ex.getResponseHeaders()
        .set("Content-Disposition", "attachment; filename=\"allspark-requests.coco.json\"");
    OpsServer.json(ex, 200, Coco.export(items, bridge.classes()));
  }

  private void reviews(HttpExchange ex) throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (LabelReview r : bridge.reviews().pending()) {
      LabelMask m = r.getMask();
      Map<String, Object> row =
          ordered(
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
    OpsServer.json(ex, 200, ordered("pending", rows));
  }

  private void reviewMask(HttpExchange ex) throws IOException {
    String id = OpsServer.query(ex).get("frame");
    LabelReview r = id == null ? null : bridge.reviews().get(id);
    if (r == null || r.getState() != ReviewState.PENDING) {
      OpsServer.error(ex, 404, "frame " + id + " has no mask waiting for review");
      return;
    }
    OpsServer.send(ex, 200, "image/png", bytes(r.getMask().getMask()));
  }

  /** The mask a reviewer sent back, for the labeler to continue from. */
  private void returned(HttpExchange ex) throws IOException {
    String id = OpsServer.query(ex).get("frame");
    LabelReview r = id == null ? null : bridge.reviews().get(id);
    if (r == null || r.getState() != ReviewState.REJECTED) {
      OpsServer.error(ex, 404, "frame " + id + " has no mask sent back by a reviewer");
      return;
    }
    OpsServer.send(ex, 200, "image/png", bytes(r.getMask().getMask()));
  }

  private void review(HttpExchange ex, Labelers.Identity who)
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
            ordered(
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
            ordered(
                "frameId", id, "state", "rejected", "reviewer", who.name(), "comment", comment));
      }
      default ->
          OpsServer.error(ex, 400, "decision must be accept or reject, got '" + decision + "'");
    }
  }
}
