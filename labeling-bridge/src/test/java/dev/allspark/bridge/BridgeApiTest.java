package dev.allspark.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allspark.ops.OpsServer;
import dev.allspark.schemas.kafka.TopicCatalog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge's routes and their authentication, answered before any store is read: a bridge that is
 * built but not started (no broker is reached). The routes that read the stores are in {@code
 * LabelingBridgeIT}.
 */
class BridgeApiTest {
  private static final String TOKEN = "route-test-token";

  private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void routesMethodsAndTokensAreAnsweredAsDocumented(@TempDir Path dir) throws Exception {
    BridgeSettings settings =
        BridgeSettings.builder("127.0.0.1:1")
            .topics(TopicCatalog.from(java.util.Map.of()))
            .set(BridgeSettings.Key.HTTP_PORT, 0)
            .set(BridgeSettings.Key.TOKEN, TOKEN)
            .set(BridgeSettings.Key.STATE_DIR, dir)
            .build();
    try (LabelingBridge bridge = new LabelingBridge(settings);
        OpsServer server =
            new OpsServer("127.0.0.1", 0, "t", () -> "", () -> new OpsServer.Health(true, "{}"))) {
      server.route("/", new BridgeApi(bridge)).start();
      String base = "http://127.0.0.1:" + server.port();
      HttpResponse<String> page = send(HttpRequest.newBuilder(URI.create(base + "/")).GET());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
      HttpResponse<String> classes =
          send(HttpRequest.newBuilder(URI.create(base + "/api/classes")).GET());
      assertThat(classes.statusCode()).isEqualTo(200);
      assertThat(classes.body()).startsWith("{\"id\":\"camvid-11\"").contains("\"name\":\"Road\"");
      HttpResponse<String> unknown =
          send(HttpRequest.newBuilder(URI.create(base + "/api/nothing")).GET());
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(unknown.body()).contains("no such route: GET /api/nothing");
      HttpResponse<String> wrongMethod =
          send(
              HttpRequest.newBuilder(URI.create(base + "/api/mask?frame=x"))
                  .DELETE()
                  .header("Authorization", "Bearer " + TOKEN));
      assertThat(wrongMethod.statusCode()).isEqualTo(405);
      assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("PUT");
      HttpResponse<String> noToken =
          send(HttpRequest.newBuilder(URI.create(base + "/api/requests")).GET());
      assertThat(noToken.statusCode()).isEqualTo(401);
      assertThat(noToken.headers().firstValue("WWW-Authenticate")).isPresent();
      HttpResponse<String> badToken =
          send(
              HttpRequest.newBuilder(URI.create(base + "/api/image?frame=x"))
                  .header("Authorization", "Bearer not-the-token")
                  .GET());
      assertThat(badToken.statusCode()).isEqualTo(403);
      HttpResponse<String> importOff =
          send(
              HttpRequest.newBuilder(URI.create(base + "/api/import?folder=" + dir))
                  .header("Authorization", "Bearer " + TOKEN)
                  .POST(HttpRequest.BodyPublishers.noBody()));
      assertThat(importOff.statusCode()).isEqualTo(403);
      assertThat(importOff.body()).contains("import is off");
      assertThat(bridge.unauthorized.count()).isEqualTo(2);
    }
  }
}
