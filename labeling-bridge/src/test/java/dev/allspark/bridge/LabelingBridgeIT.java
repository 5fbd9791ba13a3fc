package dev.allspark.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.allspark.ops.PrometheusText;
import dev.allspark.schemas.LabeledFrame;
import dev.allspark.schemas.kafka.Topic;
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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@KafkaIntegrationTest
class LabelingBridgeIT {
  private static final int W = 40;
  private static final int H = 30;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void requestThenMaskThroughTheApiEndsInFramesLabeled(KafkaBroker kafka, @TempDir Path tmp)
      throws Exception {
    TopicCatalog topics = BridgeTestSupport.topics(kafka);
    try (LabelingBridge bridge = BridgeTestSupport.bridge(kafka, topics, tmp.resolve("state"))) {
      String base = "http://localhost:" + bridge.httpPort();
      BridgeTestSupport.request(
          kafka,
          topics,
          Fixtures.request("cam-a/0001", W, H, 1_000),
          Fixtures.request("cam-a/0002", W, H, 2_000),
          Fixtures.request("cam-b/0003", W, H, 3_000));

      // the queue lists them newest first, with why each was chosen
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> get(base + "/api/requests").body().contains("\"open\":3"));
      String queue = get(base + "/api/requests").body();
      assertThat(queue).contains("\"open\":3").contains("\"reason\":\"uncertainty\"");
      assertThat(queue.indexOf("cam-b/0003")).isLessThan(queue.indexOf("cam-a/0002"));
      assertThat(queue.indexOf("cam-a/0002")).isLessThan(queue.indexOf("cam-a/0001"));

      // issue 13: camera images, the queue and outcomes are not served to anyone
      for (String read :
          List.of(
              "/api/requests",
              "/api/image?frame=" + q("cam-a/0001"),
              "/api/status?frame=" + q("cam-a/0001"))) {
        HttpResponse<String> anonymous = getWithoutToken(base + read);
        assertThat(anonymous.statusCode()).as(read).isEqualTo(401);
        assertThat(anonymous.body()).doesNotContain("cam-a");
      }
      assertThat(getWithoutToken(base + "/api/classes").statusCode()).isEqualTo(200);

      // the frame's image as it was sent
      HttpResponse<byte[]> image =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/image?frame=" + q("cam-a/0001")))
                  .header("Authorization", "Bearer " + BridgeTestSupport.TOKEN)
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(image.statusCode()).isEqualTo(200);
      assertThat(image.headers().firstValue("Content-Type")).contains("image/png");
      assertThat(image.body())
          .isEqualTo(bytes(Fixtures.request("cam-a/0001", W, H, 0).getFrame().getImage()));

      byte[] good = Fixtures.idsPng(W, H, 0, 3);
      // writes without the token, or with a wrong one, are refused and change nothing
      assertThat(put(base, "cam-a/0001", good, null).statusCode()).isEqualTo(401);
      HttpResponse<String> forbidden = put(base, "cam-a/0001", good, "wrong-token");
      assertThat(forbidden.statusCode()).isEqualTo(403);
      assertThat(forbidden.body()).contains("token is not valid");
      // validation says what is wrong
      HttpResponse<String> small =
          put(base, "cam-a/0001", Fixtures.idsPng(10, 10, 0, 3), BridgeTestSupport.TOKEN);
      assertThat(small.statusCode()).isEqualTo(400);
      assertThat(small.body()).contains("mask is 10x10 but frame cam-a/0001 is 40x30");
      HttpResponse<String> badClass =
          put(base, "cam-a/0001", Fixtures.idsPng(W, H, 0, 77), BridgeTestSupport.TOKEN);
      assertThat(badClass.statusCode()).isEqualTo(400);
      assertThat(badClass.body()).contains("class id 77");
      HttpResponse<String> unknown = put(base, "cam-z/9", good, BridgeTestSupport.TOKEN);
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(unknown.body()).contains("frame cam-z/9 has no label request");
      assertThat(
              http.send(
                      HttpRequest.newBuilder(URI.create(base + "/api/mask?frame=x"))
                          .header("Authorization", "Bearer " + BridgeTestSupport.TOKEN)
                          .header("Content-Type", "image/jpeg")
                          .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1}))
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(415);

      // a good mask, and a colour mask in the CamVid palette for another frame
      HttpResponse<String> accepted = put(base, "cam-a/0001", good, BridgeTestSupport.TOKEN);
      assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
      byte[] ids = new byte[W * H];
      java.util.Arrays.fill(ids, (byte) 8); // all Car
      byte[] colour =
          Fixtures.png(LabelMaps.colour(new LabelMaps.LabelMap(W, H, ids), ClassSet.CAMVID));
      assertThat(put(base, "cam-a/0002", colour, BridgeTestSupport.TOKEN).statusCode())
          .isEqualTo(202);

      Map<String, LabeledFrame> labeled =
          BridgeTestSupport.labeled(kafka, topics, 2, Duration.ofSeconds(60));
      assertThat(labeled).containsOnlyKeys("cam-a/0001", "cam-a/0002");
      LabelMaps.LabelMap m1 =
          LabelMaps.read(bytes(labeled.get("cam-a/0001").getMask().getMask()), ClassSet.CAMVID);
      assertThat(m1.id(0, 0)).isEqualTo(0);
      assertThat(m1.id(0, H - 1)).isEqualTo(3);
      assertThat(labeled.get("cam-a/0001").getFrame().getWidth()).isEqualTo(W);
      LabelMaps.LabelMap m2 =
          LabelMaps.read(bytes(labeled.get("cam-a/0002").getMask().getMask()), ClassSet.CAMVID);
      assertThat(m2.histogram()[8]).isEqualTo(W * H);

      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  get(base + "/api/status?frame=" + q("cam-a/0001"))
                      .body()
                      .contains("\"state\":\"labeled\""));
      assertThat(get(base + "/api/status?frame=" + q("cam-z/9")).body())
          .contains("\"state\":\"unknown\"");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> get(base + "/api/requests").body().contains("\"open\":1"));

      // bulk import: a folder of masks named after frames; others are reported, not sent
      Path folder = Files.createDirectory(tmp.resolve("masks"));
      Files.write(folder.resolve("0003.png"), Fixtures.idsPng(W, H, 5, 3));
      Files.write(folder.resolve("9999.png"), Fixtures.idsPng(W, H, 5, 3));
      Files.write(folder.resolve("0002.png"), Fixtures.idsPng(8, 8, 5, 3));
      HttpResponse<String> noAuth =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/import?folder=" + q(folder)))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(noAuth.statusCode()).isEqualTo(401);
      // issue 13: import read any folder the process could read (/etc answered 200)
      for (String outside : List.of("/etc", folder + "/../../..")) {
        HttpResponse<String> escaped = importFolder(http, base, outside);
        assertThat(escaped.statusCode()).as(outside).isEqualTo(403);
        assertThat(escaped.body()).contains("is not under the import root");
      }
      HttpResponse<String> imported = importFolder(http, base, folder);
      assertThat(imported.statusCode()).isEqualTo(200);
      assertThat(imported.body())
          .contains("\"files\":3", "\"imported\":1")
          .contains("\"9999.png\":\"no requested frame is named 9999\"")
          .contains("\"0002.png\":\"mask is 8x8 but frame cam-a/0002 is 40x30\"");
      Map<String, LabeledFrame> after =
          BridgeTestSupport.labeled(kafka, topics, 3, Duration.ofSeconds(60));
      assertThat(after).containsKey("cam-b/0003");
      // the token's owner is recorded (the shared token's), whatever a header says
      assertThat(after.get("cam-b/0003").getMask().getLabeler()).isEqualTo(Labelers.SHARED);

      // operations
      assertThat(get(base + "/health").statusCode()).isEqualTo(200);
      assertThat(
              PrometheusText.value(
                  get(base + "/metrics").body(), "allspark_bridge_masks_sent_total"))
          .isEqualTo(3.0);
      // a record on labels.masks that is not a mask reaches the DLQ and is counted by its reason
      try (KafkaProducer<String, byte[]> raw =
          new KafkaProducer<>(
              Map.of("bootstrap.servers", kafka.bootstrapServers()),
              new StringSerializer(),
              new ByteArraySerializer())) {
        raw.send(
            new ProducerRecord<>(
                topics.name(Topic.LABELS_MASKS),
                "cam-a/0001",
                "not a mask".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  PrometheusText.value(
                          get(base + "/metrics").body(),
                          "allspark_dead_letters_total",
                          "reason",
                          "unreadable-record",
                          "topic",
                          topics.name(Topic.LABELS_MASKS_DLQ))
                      == 1.0);
      String metrics = get(base + "/metrics").body();
      assertThat(metrics)
          .contains("kafka_stream_thread_") // Kafka Streams' own metrics
          .contains("kafka_producer_record_send_total{")
          .contains("jvm_gc_")
          .contains("process_uptime_seconds{");
    }
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", "Bearer " + BridgeTestSupport.TOKEN)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> getWithoutToken(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> put(String base, String frame, byte[] png, String token)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + "/api/mask?frame=" + q(frame)))
            .header("Content-Type", "image/png")
            .header("X-Labeler", "it")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(png));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** {@code POST /api/import?folder=F} with the shared token. */
  private static HttpResponse<String> importFolder(HttpClient http, String base, Object folder)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + "/api/import?folder=" + q(folder)))
            .header("Authorization", "Bearer " + BridgeTestSupport.TOKEN)
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String q(Object s) {
    return URLEncoder.encode(s.toString(), StandardCharsets.UTF_8);
  }

  static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
