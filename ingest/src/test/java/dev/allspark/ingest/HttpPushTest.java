package dev.allspark.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allspark.ops.OpsServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The routing of {@code POST /frames} without a broker: what reaches the sender, and every refusal
 * with its status, counted. (Through a real broker: {@code IngestIT}.)
 */
class HttpPushTest {
  private final List<SourceFrame> sent = new ArrayList<>();
  private final List<Integer> refused = new ArrayList<>();
  private final List<String> accepted = new ArrayList<>();
  private volatile RuntimeException refuseWith;

  private OpsServer server() {
    HttpPush push =
        new HttpPush(
            f -> {
              if (refuseWith != null) {
                throw refuseWith;
              }
              sent.add(f);
              return CompletableFuture.completedFuture(
                  new RecordMetadata(new TopicPartition("camera.frames", 2), 7, 0, 0, 0, 0));
            },
            1 << 20,
            new HttpPush.Outcomes() {
              @Override
              public void accepted(SourceFrame frame) {
                accepted.add(frame.frameId());
              }

              @Override
              public void refused(int status) {
                refused.add(status);
              }
            });
    OpsServer server =
        new OpsServer("127.0.0.1", 0, "t", () -> "", () -> new OpsServer.Health(true, "{}"));
    server.route("/frames", push).start();
    return server;
  }

  private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aGoodPushReachesTheSenderAndIsAnsweredWithItsOffset() throws Exception {
    try (OpsServer server = server()) {
      byte[] png = IngestService.encode(new SyntheticFleet(1, 48, 32).scene(0, 0).image(), false);
      HttpResponse<String> r =
          send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/frames"))
                  .header("Content-Type", "image/png")
                  .header("X-Vehicle-Id", "truck-1")
                  .header("X-Camera-Id", "front")
                  .header("X-Capture-Time", "1700000000000")
                  .header("X-Frame-Id", "truck-1/front/9")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(png)));
      assertThat(r.statusCode()).isEqualTo(202);
      assertThat(r.body()).contains("\"frameId\":\"truck-1/front/9\"").contains("\"offset\":7");
      assertThat(sent).extracting(SourceFrame::frameId).containsExactly("truck-1/front/9");
      assertThat(accepted).containsExactly("truck-1/front/9");
      assertThat(refused).isEmpty();
    }
  }

  @Test
  void wrongMethodMissingHeadersAndWrongTypesAreRefusedWithTheirStatus() throws Exception {
    try (OpsServer server = server()) {
      URI uri = URI.create("http://127.0.0.1:" + server.port() + "/frames");
      HttpResponse<String> get = send(HttpRequest.newBuilder(uri).GET());
      assertThat(get.statusCode()).isEqualTo(405);
      HttpResponse<String> noCamera =
          send(
              HttpRequest.newBuilder(uri)
                  .header("Content-Type", "image/png")
                  .header("X-Vehicle-Id", "truck-1")
                  .header("X-Capture-Time", "1700000000000")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1})));
      assertThat(noCamera.statusCode()).isEqualTo(400);
      assertThat(noCamera.body()).contains("X-Camera-Id");
      HttpResponse<String> gif =
          send(
              HttpRequest.newBuilder(uri)
                  .header("Content-Type", "image/gif")
                  .header("X-Vehicle-Id", "truck-1")
                  .header("X-Camera-Id", "front")
                  .header("X-Capture-Time", "1700000000000")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1})));
      assertThat(gif.statusCode()).isEqualTo(415);
      assertThat(sent).isEmpty();
      assertThat(refused).containsExactly(405, 400, 415);
    }
  }

  /** The schema registry cannot answer: the pusher is told to retry (503), and may. */
  @Test
  void aRetriableRefusalIsA503AndThePushCanBeRepeated() throws Exception {
    try (OpsServer server = server()) {
      byte[] png = IngestService.encode(new SyntheticFleet(1, 48, 32).scene(0, 0).image(), false);
      HttpRequest.Builder push =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/frames"))
              .header("Content-Type", "image/png")
              .header("X-Vehicle-Id", "truck-1")
              .header("X-Camera-Id", "front")
              .header("X-Capture-Time", "1700000000000")
              .header("X-Frame-Id", "truck-1/front/10")
              .POST(HttpRequest.BodyPublishers.ofByteArray(png));
      refuseWith =
          new org.apache.kafka.common.errors.RetriableException(
              "cannot register dev.allspark.schemas.CameraFrame under subject camera.frames-value:"
                  + " schema registry http://registry:8081 answered HTTP 503") {};
      HttpResponse<String> r = send(push);
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).contains("the frame cannot be written now").contains("HTTP 503");
      refuseWith = null;
      assertThat(send(push).statusCode()).as("not remembered as in flight").isEqualTo(202);
    }
  }
}
