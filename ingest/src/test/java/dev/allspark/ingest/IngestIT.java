package dev.allspark.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.kafka.TopicsInitializer;
import dev.allspark.testkit.KafkaBroker;
import dev.allspark.testkit.KafkaIntegrationTest;
import dev.allspark.testkit.SharedData;
import dev.allspark.testkit.TopicReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@KafkaIntegrationTest
class IngestIT {
  static TopicCatalog topics(KafkaBroker kafka) throws Exception {
    return TopicsInitializer.ensure(kafka.bootstrapServers(), TopicCatalog.unique("ing"));
  }

  static List<CameraFrame> read(KafkaBroker kafka, String topic, int expected) {
    AvroSerde<CameraFrame> serde = new AvroSerde<>(CameraFrame.class);
    List<CameraFrame> out = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r :
        TopicReader.read(kafka.bootstrapServers(), topic, expected, Duration.ofSeconds(60))) {
      CameraFrame f = serde.decode(r);
      assertThat(r.key()).isEqualTo(f.getCameraId());
      out.add(f);
    }
    return out;
  }

  @Test
  void replayOfCamVidValSendsEveryFrameInTimeOrderPerCamera(KafkaBroker kafka) throws Exception {
    Path val = SharedData.require("datasets/camvid/val");
    TopicCatalog catalog = topics(kafka);
    IngestSettings s =
        IngestSettings.builder(kafka.bootstrapServers())
            .topics(catalog)
            .set(IngestSettings.Key.SOURCE, IngestService.Source.FOLDER)
            .set(IngestSettings.Key.FOLDER, val)
            .set(IngestSettings.Key.FPS, 0)
            .set(IngestSettings.Key.CAMERAS, 1)
            .set(IngestSettings.Key.HTTP_PORT, -1)
            .build();
    try (IngestService service = new IngestService(s, System.err).start()) {
      service.awaitFinished();
      assertThat(service.status()).doesNotStartWith("failed");
      assertThat(service.framesSent()).isEqualTo(101);
    }
    List<CameraFrame> frames = read(kafka, catalog.name(Topic.CAMERA_FRAMES), 101);
    assertThat(frames).hasSize(101);
    Map<String, List<CameraFrame>> byCamera = new LinkedHashMap<>();
    for (CameraFrame f : frames) {
      byCamera.computeIfAbsent(f.getCameraId(), k -> new ArrayList<>()).add(f);
      assertThat(f.getWidth()).isEqualTo(480);
      assertThat(f.getHeight()).isEqualTo(360);
    }
    for (List<CameraFrame> camera : byCamera.values()) {
      for (int i = 1; i < camera.size(); i++) {
        assertThat(camera.get(i).getFrameId()).isGreaterThan(camera.get(i - 1).getFrameId());
        assertThat(camera.get(i).getCaptureTime())
            .isAfterOrEqualTo(camera.get(i - 1).getCaptureTime());
      }
    }
  }

  @Test
  void httpPushRoundTripAndClearRefusals(KafkaBroker kafka) throws Exception {
    TopicCatalog catalog = topics(kafka);
    IngestSettings s =
        IngestSettings.builder(kafka.bootstrapServers())
            .topics(catalog)
            .set(IngestSettings.Key.SOURCE, IngestService.Source.HTTP)
            .set(IngestSettings.Key.FPS, 0)
            .set(IngestSettings.Key.CAMERAS, 1)
            .set(IngestSettings.Key.HTTP_PORT, 0)
            .build();
    byte[] png = IngestService.encode(new SyntheticFleet(1, 96, 72).scene(0, 0).image(), false);
    HttpClient http = HttpClient.newHttpClient();
    try (IngestService service = new IngestService(s, System.err).start()) {
      URI uri = URI.create("http://localhost:" + service.httpPort() + "/frames");
      String[] truck7 = {
        "Content-Type", "image/png",
        "X-Vehicle-Id", "truck-7",
        "X-Camera-Id", "truck-7/front",
        "X-Capture-Time", "2026-11-24T10:00:00Z",
        "X-Frame-Id", "truck-7/front/1",
        "X-Meta-Weather", "rain"
      };
      HttpResponse<String> ok = send(http, uri, png, truck7);
      assertThat(ok.statusCode()).isEqualTo(202);
      assertThat(ok.body()).contains("\"frameId\":\"truck-7/front/1\"").contains("\"offset\":0");
      // issue 13: a retried push of the same frame id made a second frame (and two results)
      HttpResponse<String> again = send(http, uri, png, truck7);
      assertThat(again.statusCode()).isEqualTo(200);
      assertThat(again.body()).contains("\"offset\":0").contains("\"duplicate\":true");

      HttpResponse<String> noCamera =
          send(
              http,
              uri,
              png,
              "Content-Type",
              "image/png",
              "X-Vehicle-Id",
              "truck-7",
              "X-Capture-Time",
              "1");
      assertThat(noCamera.statusCode()).isEqualTo(400);
      assertThat(noCamera.body()).contains("X-Camera-Id");

      HttpResponse<String> garbage =
          push(http, uri, "image/jpeg", "1", "garbage", new byte[] {1, 2, 3});
      assertThat(garbage.statusCode()).isEqualTo(400);
      assertThat(garbage.body()).contains("declared JPEG but its bytes are neither JPEG nor PNG");

      // issue 13: the declared encoding is enforced, the decoder would read either
      HttpResponse<String> pngAsJpeg = push(http, uri, "image/jpeg", "1", "p-as-j", png);
      assertThat(pngAsJpeg.statusCode()).isEqualTo(400);
      assertThat(pngAsJpeg.body()).contains("declared JPEG but its bytes are PNG");
      java.io.ByteArrayOutputStream bmp = new java.io.ByteArrayOutputStream();
      javax.imageio.ImageIO.write(new SyntheticFleet(1, 96, 72).scene(0, 0).image(), "bmp", bmp);
      HttpResponse<String> bmpAsPng =
          push(http, uri, "image/png", "1", "b-as-p", bmp.toByteArray());
      assertThat(bmpAsPng.statusCode()).isEqualTo(400);
      assertThat(bmpAsPng.body()).contains("declared PNG but its bytes are neither JPEG nor PNG");
      // a capture time past Instant's range: 400 with a message, not a reset connection
      HttpResponse<String> overflow =
          push(http, uri, "image/png", "+1000000000-01-01T00:00:00Z", "o", png);
      assertThat(overflow.statusCode()).isEqualTo(400);
      assertThat(overflow.body()).contains("X-Capture-Time");
      // a frame id in UTF-8 (as curl sends it) arrives as sent,
      try (java.net.Socket raw = new java.net.Socket("localhost", service.httpPort())) {
        raw.setSoTimeout(30_000);
        java.io.OutputStream out = raw.getOutputStream();
        out.write(
            ("POST /frames HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                    + "X-Vehicle-Id: v\r\nX-Camera-Id: c\r\nX-Capture-Time: 2\r\n"
                    + "X-Frame-Id: straße/ü/1\r\nConnection: close\r\nContent-Length: "
                    + png.length
                    + "\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        out.write(png);
        out.flush();
        String answer =
            new String(
                raw.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(answer).startsWith("HTTP/1.1 202").contains("straße/ü/1");
      }

      // a declared length of 10^12: refused with a body before anything is read
      try (java.net.Socket raw = new java.net.Socket("localhost", service.httpPort())) {
        raw.setSoTimeout(10_000);
        raw.getOutputStream()
            .write(
                ("POST /frames HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                        + "X-Vehicle-Id: v\r\nX-Camera-Id: c\r\nX-Capture-Time: 1\r\n"
                        + "Content-Length: 1000000000000\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        String answer = answer(raw.getInputStream());
        assertThat(answer).startsWith("HTTP/1.1 413").contains("Content-Length 1000000000000");
      }

      HttpResponse<String> gif = send(http, uri, png, "Content-Type", "image/gif");
      assertThat(gif.statusCode()).isEqualTo(415);

      HttpResponse<String> huge = push(http, uri, "image/png", "1", "huge", new byte[11 << 20]);
      assertThat(huge.statusCode()).isEqualTo(413);
      assertThat(huge.body()).contains("over the limit");
      // every refusal is counted (issue 13: 5 of 20 were)
      assertThat(service.framesRefused()).isEqualTo(8);
      assertThat(service.framesSent()).isEqualTo(2);
    }
    List<CameraFrame> frames = read(kafka, catalog.name(Topic.CAMERA_FRAMES), 2);
    assertThat(frames).hasSize(2);
    assertThat(frames).extracting(CameraFrame::getFrameId).contains("straße/ü/1");
    CameraFrame f =
        frames.stream().filter(x -> x.getFrameId().equals("truck-7/front/1")).findFirst().get();
    assertThat(f.getFrameId()).isEqualTo("truck-7/front/1");
    assertThat(f.getWidth()).isEqualTo(96);
    assertThat(f.getMetadata()).containsEntry("weather", "rain");
    assertThat(f.getCaptureTime().toString()).isEqualTo("2026-11-24T10:00:00Z");
  }

  private static HttpResponse<String> push(
      HttpClient http, URI uri, String type, String time, String id, byte[] body) throws Exception {
    return send(
        http,
        uri,
        body,
        "Content-Type",
        type,
        "X-Vehicle-Id",
        "v",
        "X-Camera-Id",
        "c",
        "X-Capture-Time",
        time,
        "X-Frame-Id",
        id);
  }

  /** {@code POST body} with the given header names and values. */
  private static HttpResponse<String> send(HttpClient http, URI uri, byte[] body, String... headers)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri)
            .headers(headers)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** An HTTP answer with a JSON object body, read up to the body's end (not the socket's). */
  private static String answer(java.io.InputStream in) throws java.io.IOException {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    int depth = 0;
    boolean inBody = false;
    for (int c = in.read(); c >= 0; c = in.read()) {
      b.write(c);
      if (!inBody) {
        inBody = b.toString(java.nio.charset.StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n");
      } else if (c == '{') {
        depth++;
      } else if (c == '}' && --depth == 0) {
        break;
      }
    }
    return b.toString(java.nio.charset.StandardCharsets.UTF_8);
  }
}
