package dev.allspark.bridge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.allspark.ops.OpsServer;
import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.ImageEncoding;
import dev.allspark.schemas.LabelRequest;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/**
 * The labelers' HTTP API and page. The page, its assets and the class set are open; every other
 * call needs {@code Authorization: Bearer <token>}, and the token's owner ({@link Labelers}) is who
 * is recorded: no header names the labeler. Frame ids go in the query string ({@code ?frame=}),
 * since they contain slashes. The routes are listed in the bridge's README; this class dispatches
 * them and answers the small ones, {@link ClaimRoutes}, {@link ReviewRoutes} and {@link
 * RequestRoutes} the rest, and {@link MaskSubmission} is how every mask enters.
 */
final class BridgeApi implements HttpHandler {
  private static final int MAX_COCO_BYTES = 64 << 20;

  private final LabelingBridge bridge;
  private final BearerAuth auth;
  private final MaskSubmission submission;
  private final ClaimRoutes claims;
  private final ReviewRoutes reviews;
  private final RequestRoutes requests;

  BridgeApi(LabelingBridge bridge) {
    this.bridge = bridge;
    this.auth = new BearerAuth(bridge.labelers(), bridge.unauthorized);
    this.submission = new MaskSubmission(bridge);
    this.claims = new ClaimRoutes(bridge, submission);
    this.reviews = new ReviewRoutes(bridge);
    this.requests = new RequestRoutes(bridge);
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
        case "/api/requests" ->
            only(ex, method, "GET", () -> as(ex, who -> requests.requests(ex, who)));
        case "/api/image" -> only(ex, method, "GET", () -> as(ex, who -> image(ex)));
        case "/api/prediction" -> only(ex, method, "GET", () -> as(ex, who -> prediction(ex)));
        case "/api/status" -> only(ex, method, "GET", () -> as(ex, who -> status(ex)));
        case "/api/claim" -> claimRoute(ex, method);
        case "/api/mask" -> only(ex, method, "PUT", () -> as(ex, who -> claims.mask(ex, who)));
        case "/api/import" -> only(ex, method, "POST", () -> as(ex, who -> importFolder(ex, who)));
        case "/api/import/coco" ->
            only(ex, method, "POST", () -> as(ex, who -> importCoco(ex, who)));
        case "/api/returned" -> only(ex, method, "GET", () -> as(ex, who -> reviews.returned(ex)));
        case "/api/export" -> only(ex, method, "GET", () -> as(ex, who -> requests.export(ex)));
        case "/api/reviews" ->
            only(
                ex,
                method,
                "GET",
                () -> as(ex, who -> reviewer(ex, who, () -> reviews.reviews(ex))));
        case "/api/review/mask" ->
            only(
                ex,
                method,
                "GET",
                () -> as(ex, who -> reviewer(ex, who, () -> reviews.reviewMask(ex))));
        case "/api/review" ->
            only(
                ex,
                method,
                "POST",
                () -> as(ex, who -> reviewer(ex, who, () -> reviews.review(ex, who))));
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

  private static void only(HttpExchange ex, String method, String allowed, ApiCalls.Action action)
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
  private void as(HttpExchange ex, ApiCalls.AsCaller action)
      throws IOException, InterruptedException, ExecutionException, TimeoutException {
    Labelers.Identity who = auth.check(ex);
    if (who != null) {
      action.run(who);
    }
  }

  private void reviewer(HttpExchange ex, Labelers.Identity who, ApiCalls.Action action)
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
          ApiCalls.ordered(
              "id", c,
              "name", cs.names().get(c),
              "color", String.format("#%02x%02x%02x", col[0], col[1], col[2])));
    }
    OpsServer.json(
        ex, 200, ApiCalls.ordered("id", cs.id(), "void", cs.voidLabel(), "classes", classes));
  }

  private void me(HttpExchange ex, Labelers.Identity who) throws IOException {
    OpsServer.json(
        ex,
        200,
        ApiCalls.ordered(
            "labeler", who.name(),
            "reviewer", who.reviewer() && bridge.reviewOn(),
            "review", bridge.reviewOn(),
            "claimSeconds", bridge.claims().ttl().toSeconds()));
  }

  private void image(HttpExchange ex) throws IOException {
    LabelRequest r = ApiCalls.requested(bridge, ex);
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
        ApiCalls.bytes(f.getImage()));
  }

  /** The choosing model's mask for the frame: the editor's starting point. */
  private void prediction(HttpExchange ex) throws IOException {
    LabelRequest r = ApiCalls.requested(bridge, ex);
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
    OpsServer.send(ex, 200, "image/png", ApiCalls.bytes(r.getPrediction()));
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
        ApiCalls.ordered(
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

  private void importFolder(HttpExchange ex, Labelers.Identity who)
      throws IOException, InterruptedException {
    OpsServer.drain(ex);
    MaskImport.Result r =
        new MaskImport(bridge, (request, png) -> submission.submit(request, png, who, false))
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
        new MaskImport(bridge, (request, png) -> submission.submit(request, png, who, false))
            .masks(masks);
    OpsServer.json(ex, r.status(), r.body());
  }

  private void claimRoute(HttpExchange ex, String method)
      throws IOException, InterruptedException, ExecutionException, TimeoutException {
    switch (method) {
      case "POST" -> as(ex, who -> claims.claim(ex, who));
      case "DELETE" -> as(ex, who -> claims.unclaim(ex, who));
      default -> {
        ex.getResponseHeaders().set("Allow", "POST, DELETE");
        OpsServer.drain(ex);
        OpsServer.error(ex, 405, "use POST (claim) or DELETE (release)");
      }
    }
  }
}
