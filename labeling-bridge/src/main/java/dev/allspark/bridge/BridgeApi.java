package dev.allspark.bridge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.allspark.ops.OpsServer;
import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.ImageEncoding;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.labels.LabelMaps;
import dev.allspark.schemas.labels.MaskCheck;
import java.io.IOException;
import java.nio.ByteBuffer;
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
 * call (the request queue, camera images, outcomes, masks, imports) needs {@code Authorization:
 * Bearer <token>} (before issue 13 camera images and the queue were served to anyone). Frame ids go
 * in the query string ({@code ?frame=}), since they contain slashes.
 *
 * <ul>
 *   <li>{@code GET /api/classes}: the class set (ids, names, colours, void id).
 *   <li>{@code GET /api/requests?limit=N&all=true|false}: label requests, newest first, with why
 *       each was chosen; open ones only unless {@code all=true}.
 *   <li>{@code GET /api/image?frame=ID}: the frame's image as it was sent.
 *   <li>{@code PUT /api/mask?frame=ID}: a mask PNG, gray (class ids) or colour (the class set's
 *       palette); optional {@code X-Labeler}. 202 once {@code labels.masks} has it.
 *   <li>{@code POST /api/import?folder=DIR}: every {@code *.png} in a folder under the configured
 *       import root (import is off without one) on the bridge's machine whose name (without
 *       extension) is a requested frame's id or its last path segment becomes a mask; answers what
 *       was imported and why anything was skipped.
 *   <li>{@code GET /api/status?frame=ID}: requested or not, and the latest mask's outcome (labeled,
 *       or rejected with the reason).
 *   <li>{@code GET /}: the labelers' page ({@code /app.js}, {@code /app.css}).
 * </ul>
 */
final class BridgeApi implements HttpHandler {
  private static final int MAX_MASK_BYTES = Topic.LABELS_MASKS.maxMessageBytes() - 4096;

  private final LabelingBridge bridge;
  private final MaskCheck check;
  private final BearerAuth auth;

  BridgeApi(LabelingBridge bridge) {
    this.bridge = bridge;
    this.check = new MaskCheck(bridge.classes());
    this.auth = new BearerAuth(bridge.token(), bridge.unauthorized);
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String method = ex.getRequestMethod();
    try {
      switch (path) {
        case "/", "/index.html" -> page(ex, method, "index.html", "text/html; charset=utf-8");
        case "/app.js" -> page(ex, method, "app.js", "text/javascript; charset=utf-8");
        case "/app.css" -> page(ex, method, "app.css", "text/css; charset=utf-8");
        case "/api/classes" -> only(ex, method, "GET", () -> classes(ex));
        case "/api/requests" -> only(ex, method, "GET", () -> authorized(ex, () -> requests(ex)));
        case "/api/image" -> only(ex, method, "GET", () -> authorized(ex, () -> image(ex)));
        case "/api/status" -> only(ex, method, "GET", () -> authorized(ex, () -> status(ex)));
        case "/api/mask" -> only(ex, method, "PUT", () -> mask(ex));
        case "/api/import" -> only(ex, method, "POST", () -> importFolder(ex));
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
    } catch (RuntimeException e) {
      OpsServer.error(ex, 500, "internal error: " + e);
    }
  }

  private interface Action {
    void run() throws IOException, InterruptedException;
  }

  private static void only(HttpExchange ex, String method, String allowed, Action action)
      throws IOException, InterruptedException {
    if (!method.equals(allowed)) {
      ex.getResponseHeaders().set("Allow", allowed);
      OpsServer.drain(ex);
      OpsServer.error(ex, 405, "use " + allowed);
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

  /** A map that keeps the order its keys are given in: key, value, key, value, ... */
  private static Map<String, Object> ordered(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  private void requests(HttpExchange ex) throws IOException {
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
        rows.add(request(kv.key, r, st));
      }
    }
    rows.sort(
        Comparator.comparing(
                (Map<String, Object> row) -> Instant.parse((String) row.get("requestedAt")))
            .reversed());
    OpsServer.json(
        ex, 200, ordered("open", open, "requests", rows.subList(0, Math.min(limit, rows.size()))));
  }

  private static Map<String, Object> request(String id, LabelRequest r, LabelStatus st) {
    return ordered(
        "frameId", id,
        "reason", r.getReason().name().toLowerCase(java.util.Locale.ROOT),
        "score", Float.isFinite(r.getScore()) ? r.getScore() : 0f,
        "modelVersion", r.getModelVersion(),
        "requestedAt", r.getRequestedAt().toString(),
        "width", r.getFrame().getWidth(),
        "height", r.getFrame().getHeight(),
        "camera", r.getFrame().getCameraId(),
        "state", st == null ? "open" : st.state());
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
    ByteBuffer d = f.getImage().duplicate();
    byte[] bytes = new byte[d.remaining()];
    d.get(bytes);
    ex.getResponseHeaders().set("Cache-Control", "max-age=3600");
    OpsServer.send(
        ex, 200, f.getEncoding() == ImageEncoding.JPEG ? "image/jpeg" : "image/png", bytes);
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

  /** Runs the action if the request carries the bridge's token, else answers 401/403. */
  private void authorized(HttpExchange ex, Action action) throws IOException, InterruptedException {
    if (auth.check(ex)) {
      action.run();
    }
  }

  private void mask(HttpExchange ex) throws IOException, InterruptedException {
    if (!auth.check(ex)) {
      return;
    }
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
    String labeler = ex.getRequestHeaders().getFirst("X-Labeler");
    try {
      RecordMetadata md = submit(r, body, labeler == null ? "api" : labeler.strip());
      OpsServer.json(
          ex,
          202,
          ordered(
              "frameId", r.getFrameId(),
              "state", "sent",
              "partition", md.partition(),
              "offset", md.offset()));
    } catch (LabelMaps.InvalidMaskException e) {
      bridge.masksRefused.increment();
      OpsServer.error(ex, 400, e.getMessage());
    } catch (ExecutionException | TimeoutException e) {
      OpsServer.error(ex, 503, "Kafka did not take the mask: " + e);
    }
  }

  RecordMetadata submit(LabelRequest r, byte[] png, String labeler)
      throws LabelMaps.InvalidMaskException,
          InterruptedException,
          ExecutionException,
          TimeoutException {
    LabelMaps.LabelMap map = check.read(png, r.getFrame());
    LabelMask mask =
        LabelMask.newBuilder()
            .setFrameId(r.getFrameId())
            .setMask(ByteBuffer.wrap(LabelMaps.grayPng(map)))
            .setWidth(map.width())
            .setHeight(map.height())
            .setClassSetVersion(bridge.classes().id())
            .setLabeler(labeler)
            .setLabeledAt(Instant.now())
            .build();
    return bridge.send(mask);
  }

  private void importFolder(HttpExchange ex) throws IOException, InterruptedException {
    if (!auth.check(ex)) {
      return;
    }
    OpsServer.drain(ex);
    String labeler = ex.getRequestHeaders().getFirst("X-Labeler");
    MaskImport.Result r =
        new MaskImport(bridge, this::submit)
            .run(OpsServer.query(ex).get("folder"), labeler == null ? "import" : labeler.strip());
    OpsServer.json(ex, r.status(), r.body());
  }
}
