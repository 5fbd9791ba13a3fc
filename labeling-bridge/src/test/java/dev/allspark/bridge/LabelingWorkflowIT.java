package dev.allspark.bridge;

import static dev.allspark.bridge.BridgeTestSupport.ALICE;
import static dev.allspark.bridge.BridgeTestSupport.BOB;
import static dev.allspark.bridge.BridgeTestSupport.RITA;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allspark.ops.PrometheusText;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.schemas.labels.LabelMaps;
import dev.allspark.testkit.KafkaBroker;
import dev.allspark.testkit.KafkaIntegrationTest;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The labeling workflow through the HTTP API on a real broker: claims survive a restart of the
 * bridge and are taken over only explicitly; the time from claim to submission and the change from
 * the prediction are recorded with the mask; review refuses non-reviewers and comment-less
 * rejections; COCO export carries the predictions and COCO import submits masks.
 */
@KafkaIntegrationTest
class LabelingWorkflowIT {
  private static final int W = 40;
  private static final int H = 30;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void claimsSurviveARestartAndAreTakenOverOnlyExplicitly(KafkaBroker kafka, @TempDir Path tmp)
      throws Exception {
    Path labelers = labelers(tmp);
    MutableClock clock = new MutableClock();
    TopicCatalog topics = BridgeTestSupport.topics(kafka);
    BridgeTestSupport.request(kafka, topics, Fixtures.predicted("cam-w/0001", W, H, 1, 0, 3));
    String app = "bridge-" + UUID.randomUUID();
    try (LabelingBridge bridge = bridge(kafka, topics, tmp, labelers, false, clock, app)) {
      String base = base(bridge);
      awaitRequests(base, 1);
      HttpResponse<String> claimed = call(base, "POST", "/api/claim?frame=cam-w/0001", ALICE);
      assertThat(claimed.statusCode()).isEqualTo(200);
      assertThat(json(claimed).path("labeler").asText()).isEqualTo("alice");
    }
    // a new bridge process with the same application id reads the claims topic back
    try (LabelingBridge bridge = bridge(kafka, topics, tmp, labelers, false, clock, app)) {
      String base = base(bridge);
      awaitRequests(base, 1);
      JsonNode row = json(call(base, "GET", "/api/requests", BOB)).path("requests").get(0);
      assertThat(row.path("claim").path("labeler").asText()).isEqualTo("alice");
      assertThat(row.path("claim").path("mine").asBoolean()).isFalse();
      HttpResponse<String> refused = call(base, "POST", "/api/claim?frame=cam-w/0001", BOB);
      assertThat(refused.statusCode()).isEqualTo(409);
      assertThat(refused.body()).contains("claimed by alice until");
      HttpResponse<String> mask = put(base, "cam-w/0001", Fixtures.idsPng(W, H, 0, 3), BOB, false);
      assertThat(mask.statusCode()).isEqualTo(409);

      // alice takes 42 s, then submits: the mask records it, and how much she changed
      clock.advance(Duration.ofSeconds(42));
      byte[] edited = Fixtures.idsPng(W, H, 0, 8); // the road (bottom half) is a car
      assertThat(put(base, "cam-w/0001", edited, ALICE, false).statusCode()).isEqualTo(202);
      LabelMask sent = masks(kafka, topics, 1).get("cam-w/0001");
      assertThat(sent.getLabeler()).isEqualTo("alice");
      assertThat(sent.getSecondsSpent()).isEqualTo(42f);
      assertThat(sent.getChangedShare()).isEqualTo(0.5f);
      assertThat(sent.getChangedByClass().get(3)).isEqualTo(W * H / 2);
      assertThat(sent.getChangedByClass().get(0)).isZero();
      assertThat(sent.getPredictionVersion()).isEqualTo(3L);
      assertThat(sent.getReviewer()).isNull();
      // the claim is released with the submission: bob may claim now
      assertThat(call(base, "POST", "/api/claim?frame=cam-w/0001", BOB).statusCode())
          .isEqualTo(200);
      // and alice takes it over only by saying so; the claim names whom it came from
      HttpResponse<String> over =
          call(base, "POST", "/api/claim?frame=cam-w/0001&override=true", ALICE);
      assertThat(over.statusCode()).isEqualTo(200);
      assertThat(json(over).path("tookOverFrom").asText()).isEqualTo("bob");
      assertThat(call(base, "DELETE", "/api/claim?frame=cam-w/0001", BOB).statusCode())
          .isEqualTo(409);
      assertThat(call(base, "DELETE", "/api/claim?frame=cam-w/0001", ALICE).statusCode())
          .isEqualTo(200);
      assertThat(get(base, "/metrics", ALICE).body())
          .contains("allspark_bridge_claims_total{instance=") // common tags on every series
          .satisfies(
              text ->
                  // this process: bob's, alice's take-over
                  assertThat(PrometheusText.value(text, "allspark_bridge_claims_total"))
                      .isEqualTo(2.0));
    }
  }

  @Test
  void reviewCocoExportAndImport(KafkaBroker kafka, @TempDir Path tmp) throws Exception {
    Path labelers = labelers(tmp);
    TopicCatalog topics = BridgeTestSupport.topics(kafka);
    BridgeTestSupport.request(
        kafka,
        topics,
        Fixtures.predicted("cam-r/0001", W, H, 1, 0, 3),
        Fixtures.predicted("cam-r/0002", W, H, 2, 0, 4),
        Fixtures.request("cam-r/0003", W, H, 3));
    try (LabelingBridge bridge =
        bridge(kafka, topics, tmp, labelers, true, new MutableClock(), "b-" + UUID.randomUUID())) {
      String base = base(bridge);
      awaitRequests(base, 3);
      assertThat(json(get(base, "/api/me", RITA)).path("reviewer").asBoolean()).isTrue();
      assertThat(json(get(base, "/api/me", ALICE)).path("reviewer").asBoolean()).isFalse();
      // a prediction is served to labelers; a cold-start request has none
      HttpResponse<byte[]> pred =
          http.send(
              auth(base, "/api/prediction?frame=cam-r/0001", ALICE).GET().build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(pred.statusCode()).isEqualTo(200);
      assertThat(pred.headers().firstValue("X-Model-Version")).hasValue("3");
      assertThat(LabelMaps.read(pred.body(), ClassSet.CAMVID).histogram()[3]).isEqualTo(W * H / 2);
      assertThat(get(base, "/api/prediction?frame=cam-r/0003", ALICE).body())
          .contains("has no prediction");

      // review: the mask waits; a labeler may not review; a rejection needs a comment
      assertThat(put(base, "cam-r/0001", Fixtures.idsPng(W, H, 0, 8), ALICE, false).body())
          .contains("\"state\":\"in-review\"");
      assertThat(get(base, "/api/reviews", ALICE).statusCode()).isEqualTo(403);
      JsonNode pending = json(get(base, "/api/reviews", RITA)).path("pending");
      assertThat(pending).hasSize(1);
      assertThat(pending.get(0).path("labeler").asText()).isEqualTo("alice");
      assertThat(pending.get(0).path("changedShare").asDouble()).isEqualTo(0.5);
      assertThat(
              call(base, "POST", "/api/review?frame=cam-r/0001&decision=reject", RITA).statusCode())
          .isEqualTo(400);
      assertThat(
              call(base, "POST", "/api/review?frame=cam-r/0001&decision=accept", ALICE)
                  .statusCode())
          .isEqualTo(403);
      HttpResponse<String> ok =
          call(base, "POST", "/api/review?frame=cam-r/0001&decision=accept", RITA);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(json(get(base, "/api/reviews", RITA)).path("pending")).isEmpty();
      LabelMask accepted = masks(kafka, topics, 1).get("cam-r/0001");
      assertThat(accepted.getReviewer()).isEqualTo("rita");
      assertThat(accepted.getLabeler()).isEqualTo("alice");

      // COCO export: the open requests with a prediction, each class present one RLE annotation
      JsonNode coco = json(get(base, "/api/export?format=coco", ALICE));
      List<String> names = coco.path("images").findValuesAsText("file_name");
      assertThat(names).contains("cam-r/0002").doesNotContain("cam-r/0003");
      // a team labels elsewhere and sends it back: the sidewalk (4) becomes fence (7)
      // (swap the two categories' names, as another tool's file might number them)
      for (JsonNode cat : coco.path("categories")) {
        String name = cat.path("name").asText();
        if (name.equals("Sidewalk") || name.equals("Fence")) {
          ((com.fasterxml.jackson.databind.node.ObjectNode) cat)
              .put("name", name.equals("Sidewalk") ? "Fence" : "Sidewalk");
        }
      }
      String back = JSON.writeValueAsString(coco);
      HttpResponse<String> imported =
          http.send(
              auth(base, "/api/import/coco", ALICE)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(back))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(imported.statusCode()).isEqualTo(200);
      assertThat(imported.body()).contains("\"imported\":1");
      JsonNode review = json(get(base, "/api/reviews", RITA)).path("pending");
      assertThat(review).hasSize(1);
      assertThat(review.get(0).path("frameId").asText()).isEqualTo("cam-r/0002");
      assertThat(review.get(0).path("changedShare").asDouble()).isEqualTo(0.5);
      HttpResponse<String> bad =
          http.send(
              auth(base, "/api/import/coco", ALICE)
                  .POST(HttpRequest.BodyPublishers.ofString("{\"images\": 3}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(bad.body()).contains("a COCO file has an array");
    }
  }

  private static Path labelers(Path tmp) throws Exception {
    return BridgeTestSupport.team(tmp.resolve("labelers"));
  }

  private static LabelingBridge bridge(
      KafkaBroker kafka,
      TopicCatalog topics,
      Path tmp,
      Path labelers,
      boolean review,
      MutableClock clock,
      String app) {
    return BridgeTestSupport.bridge(
        kafka,
        topics,
        tmp.resolve("state-" + UUID.randomUUID()),
        app,
        labelers,
        clock,
        b -> b.set(BridgeSettings.Key.REVIEW, review).set(BridgeSettings.Key.CLAIM_SECONDS, 600));
  }

  private static String base(LabelingBridge b) {
    return "http://localhost:" + b.httpPort();
  }

  /** Waits until the bridge's stores hold the requests (they restore after start). */
  private void awaitRequests(String base, int n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      HttpResponse<String> r = get(base, "/api/requests", ALICE);
      if (r.statusCode() == 200 && json(r).path("requests").size() >= n) {
        return;
      }
      assertThat(System.nanoTime()).as("requests in the bridge's store").isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private static HttpRequest.Builder auth(String base, String path, String token) {
    int q = path.indexOf("frame=");
    String p = path;
    if (q >= 0) {
      int end = path.indexOf('&', q);
      String id = path.substring(q + 6, end < 0 ? path.length() : end);
      p =
          path.substring(0, q + 6)
              + URLEncoder.encode(id, StandardCharsets.UTF_8)
              + (end < 0 ? "" : path.substring(end));
    }
    return HttpRequest.newBuilder(URI.create(base + p)).header("Authorization", "Bearer " + token);
  }

  private HttpResponse<String> get(String base, String path, String token) throws Exception {
    return http.send(auth(base, path, token).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> call(String base, String method, String path, String token)
      throws Exception {
    return http.send(
        auth(base, path, token).method(method, HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> put(
      String base, String frame, byte[] png, String token, boolean override) throws Exception {
    return http.send(
        auth(base, "/api/mask?frame=" + frame + (override ? "&override=true" : ""), token)
            .header("Content-Type", "image/png")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(png))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  private static Map<String, LabelMask> masks(KafkaBroker kafka, TopicCatalog topics, int n) {
    return BridgeTestSupport.masks(kafka, topics, n);
  }
}
