package dev.allspark.bridge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.ImageEncoding;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.LabelRequest;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.labels.LabelMaps;
import dev.allspark.schemas.ops.OpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
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

  BridgeApi(LabelingBridge bridge) {
    this.bridge = bridge;
    this.check = new MaskCheck(bridge.classes());
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
      drain(ex);
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
    try (InputStream in = BridgeApi.class.getResourceAsStream("/bridge-web/" + name)) {
      if (in == null) {
        OpsServer.error(ex, 500, "page resource " + name + " is missing from the jar");
        return;
      }
      ex.getResponseHeaders().set("Cache-Control", "no-cache");
      OpsServer.send(ex, 200, type, in.readAllBytes());
    }
  }

  private void classes(HttpExchange ex) throws IOException {
    var cs = bridge.classes();
    StringBuilder b = new StringBuilder("{\"id\":").append(OpsServer.quote(cs.id()));
    b.append(",\"void\":").append(cs.voidLabel()).append(",\"classes\":[");
    for (int c = 0; c < cs.size(); c++) {
      int[] col = cs.colors().get(c);
      b.append(c == 0 ? "" : ",")
          .append("{\"id\":")
          .append(c)
          .append(",\"name\":")
          .append(OpsServer.quote(cs.names().get(c)))
          .append(",\"color\":\"")
          .append(String.format("#%02x%02x%02x", col[0], col[1], col[2]))
          .append("\"}");
    }
    OpsServer.json(ex, 200, b.append("]}").toString());
  }

  private void requests(HttpExchange ex) throws IOException {
    Map<String, String> q = query(ex);
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
    List<String[]> rows = new ArrayList<>(); // requestedAt, json
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
        rows.add(
            new String[] {
              Long.toString(r.getRequestedAt().toEpochMilli()), requestJson(kv.key, r, st)
            });
      }
    }
    rows.sort(Comparator.comparing((String[] row) -> Long.parseLong(row[0])).reversed());
    StringBuilder b = new StringBuilder("{\"open\":").append(open).append(",\"requests\":[");
    for (int i = 0; i < Math.min(limit, rows.size()); i++) {
      b.append(i == 0 ? "" : ",").append(rows.get(i)[1]);
    }
    OpsServer.json(ex, 200, b.append("]}").toString());
  }

  private static String requestJson(String id, LabelRequest r, LabelStatus st) {
    return "{\"frameId\":"
        + OpsServer.quote(id)
        + ",\"reason\":"
        + OpsServer.quote(r.getReason().name().toLowerCase(java.util.Locale.ROOT))
        + ",\"score\":"
        + (Float.isFinite(r.getScore()) ? r.getScore() : 0)
        + ",\"modelVersion\":"
        + r.getModelVersion()
        + ",\"requestedAt\":"
        + OpsServer.quote(r.getRequestedAt().toString())
        + ",\"width\":"
        + r.getFrame().getWidth()
        + ",\"height\":"
        + r.getFrame().getHeight()
        + ",\"camera\":"
        + OpsServer.quote(r.getFrame().getCameraId())
        + ",\"state\":"
        + OpsServer.quote(st == null ? "open" : st.state())
        + "}";
  }

  /** The request for {@code ?frame=}, or null after answering 400/404. */
  private LabelRequest requested(HttpExchange ex) throws IOException {
    String id = query(ex).get("frame");
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
    String id = query(ex).get("frame");
    if (id == null || id.isBlank()) {
      OpsServer.error(ex, 400, "the query parameter frame (a frame id) is required");
      return;
    }
    boolean requested = bridge.requests().get(id) != null;
    LabelStatus st = bridge.status(id);
    StringBuilder b =
        new StringBuilder("{\"frameId\":")
            .append(OpsServer.quote(id))
            .append(",\"requested\":")
            .append(requested)
            .append(",\"state\":")
            .append(OpsServer.quote(st != null ? st.state() : requested ? "open" : "unknown"));
    if (st != null) {
      b.append(",\"at\":").append(OpsServer.quote(Instant.ofEpochMilli(st.at()).toString()));
      if (st.labeler() != null) {
        b.append(",\"labeler\":").append(OpsServer.quote(st.labeler()));
      }
      if (st.reason() != null) {
        b.append(",\"reason\":").append(OpsServer.quote(st.reason()));
      }
    }
    OpsServer.json(ex, 200, b.append('}').toString());
  }

  /** Runs the action if the request carries the bridge's token, else answers 401/403. */
  private void authorized(HttpExchange ex, Action action) throws IOException, InterruptedException {
    if (authorized(ex)) {
      action.run();
    }
  }

  /** Answers 401/403 and returns false unless the request carries the bridge's token. */
  private boolean authorized(HttpExchange ex) throws IOException {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth == null || !auth.startsWith("Bearer ")) {
      bridge.unauthorized.increment();
      drain(ex);
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"allspark-labeling\"");
      OpsServer.error(ex, 401, "the API needs the header Authorization: Bearer <token>");
      return false;
    }
    byte[] given = auth.substring(7).strip().getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(given, bridge.token().getBytes(StandardCharsets.UTF_8))) {
      bridge.unauthorized.increment();
      drain(ex);
      OpsServer.error(ex, 403, "the token is not valid");
      return false;
    }
    return true;
  }

  private void mask(HttpExchange ex) throws IOException, InterruptedException {
    if (!authorized(ex)) {
      return;
    }
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("image/png")) {
      drain(ex);
      OpsServer.error(ex, 415, "the mask must be sent as Content-Type: image/png, got " + type);
      return;
    }
    byte[] body = ex.getRequestBody().readNBytes(MAX_MASK_BYTES + 1);
    if (body.length > MAX_MASK_BYTES) {
      drain(ex);
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
          "{\"frameId\":"
              + OpsServer.quote(r.getFrameId())
              + ",\"state\":\"sent\",\"partition\":"
              + md.partition()
              + ",\"offset\":"
              + md.offset()
              + "}");
    } catch (LabelMaps.InvalidMaskException e) {
      bridge.masksRefused.increment();
      OpsServer.error(ex, 400, e.getMessage());
    } catch (ExecutionException | TimeoutException e) {
      OpsServer.error(ex, 503, "Kafka did not take the mask: " + e);
    }
  }

  private RecordMetadata submit(LabelRequest r, byte[] png, String labeler)
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
    if (!authorized(ex)) {
      return;
    }
    drain(ex);
    String folder = query(ex).get("folder");
    if (folder == null || folder.isBlank()) {
      OpsServer.error(ex, 400, "the query parameter folder (a folder of mask PNGs) is required");
      return;
    }
    Path root = bridge.importRoot();
    if (root == null) {
      OpsServer.error(
          ex,
          403,
          "import is off: start the bridge with --import-root / ALLSPARK_BRIDGE_IMPORT_ROOT, the"
              + " folder under which mask folders may be read");
      return;
    }
    Path dir = Path.of(folder);
    if (!Files.isDirectory(dir)) {
      OpsServer.error(ex, 400, "folder " + dir + " does not exist or is not a folder");
      return;
    }
    // real paths: neither ".." nor a symbolic link leads out of the root
    if (!dir.toRealPath().startsWith(root.toRealPath())) {
      OpsServer.error(
          ex, 403, "folder " + dir + " is not under the import root " + root.toRealPath());
      return;
    }
    // frame ids by full id and by last path segment (folder replays name frames camera/file)
    Map<String, List<LabelRequest>> byName = new HashMap<>();
    try (KeyValueIterator<String, ValueAndTimestamp<LabelRequest>> it = bridge.requests().all()) {
      while (it.hasNext()) {
        var kv = it.next();
        byName.computeIfAbsent(kv.key, k -> new ArrayList<>()).add(kv.value.value());
        int slash = kv.key.lastIndexOf('/');
        if (slash >= 0) {
          byName
              .computeIfAbsent(kv.key.substring(slash + 1), k -> new ArrayList<>())
              .add(kv.value.value());
        }
      }
    }
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(f -> f.getFileName().toString().endsWith(".png")).sorted().toList();
    }
    String labeler = ex.getRequestHeaders().getFirst("X-Labeler");
    labeler = labeler == null ? "import" : labeler.strip();
    int imported = 0;
    Map<String, String> skipped = new LinkedHashMap<>();
    for (Path f : files) {
      String name = f.getFileName().toString();
      String base = name.substring(0, name.length() - 4);
      List<LabelRequest> matches = byName.getOrDefault(base, List.of());
      if (matches.isEmpty()) {
        skipped.put(name, "no requested frame is named " + base);
        continue;
      }
      if (matches.size() > 1) {
        skipped.put(name, matches.size() + " requested frames end with " + base + ": ambiguous");
        continue;
      }
      try {
        submit(matches.get(0), Files.readAllBytes(f), labeler);
        imported++;
      } catch (LabelMaps.InvalidMaskException e) {
        bridge.masksRefused.increment();
        skipped.put(name, e.getMessage());
      } catch (ExecutionException | TimeoutException e) {
        skipped.put(name, "Kafka did not take the mask: " + e);
      }
    }
    StringBuilder b =
        new StringBuilder("{\"folder\":")
            .append(OpsServer.quote(dir.toString()))
            .append(",\"files\":")
            .append(files.size())
            .append(",\"imported\":")
            .append(imported)
            .append(",\"skipped\":{");
    int i = 0;
    for (var e : skipped.entrySet()) {
      b.append(i++ == 0 ? "" : ",")
          .append(OpsServer.quote(e.getKey()))
          .append(':')
          .append(OpsServer.quote(e.getValue()));
    }
    OpsServer.json(ex, 200, b.append("}}").toString());
  }

  static Map<String, String> query(HttpExchange ex) {
    Map<String, String> q = new HashMap<>();
    String raw = ex.getRequestURI().getRawQuery();
    if (raw == null) {
      return q;
    }
    for (String part : raw.split("&")) {
      int eq = part.indexOf('=');
      String k = eq < 0 ? part : part.substring(0, eq);
      String v = eq < 0 ? "" : part.substring(eq + 1);
      q.put(
          URLDecoder.decode(k, StandardCharsets.UTF_8),
          URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return q;
  }

  /** Reads what the client is still sending, so it gets the answer instead of a reset. */
  private static void drain(HttpExchange ex) throws IOException {
    ex.getRequestBody().transferTo(OutputStream.nullOutputStream());
  }
}
