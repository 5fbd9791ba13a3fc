package dev.allspark.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.allspark.ops.PrometheusText;
import dev.allspark.schemas.Segmentation;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.testkit.KafkaBroker;
import dev.allspark.testkit.KafkaIntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/**
 * The poll loop's pipeline: the next micro-batch goes to the worker before the finished one's
 * transaction; a failed transaction takes that next batch down with it; every committed frame is
 * traced.
 */
@KafkaIntegrationTest
class InferencePipelineIT {

  @Test
  void aFailedTransactionIsReadAgainWithTheBatchDispatchedAfterIt(KafkaBroker kafka)
      throws Exception {
    try (InferenceFixture f = new InferenceFixture(kafka);
        KafkaConsumer<String, byte[]> reader = f.reader(Topic.SEGMENTATIONS);
        Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      f.publishVersion(1);
      // results cannot be written: every transaction fails at commit (RecordTooLargeException);
      // the limit still takes a transaction marker (~80 bytes), so the aborts complete
      maxMessageBytes(admin, f.topics.name(Topic.SEGMENTATIONS), 120);
      f.sendFrames(0, 60, 3, new Random(3));
      try (InferenceService service = f.start(f.settings("pipeline-a"))) {
        // with 60 frames waiting, a batch is always in flight when a transaction fails
        await()
            .atMost(Duration.ofSeconds(90))
            .until(() -> metric(service, "allspark_inference_transactions_aborted_total") >= 3);
        assertThat(service.framesProcessed()).isZero();
        maxMessageBytes(admin, f.topics.name(Topic.SEGMENTATIONS), 1 << 20);
        List<ConsumerRecord<String, byte[]>> seen =
            InferenceFixture.drain(reader, 60, Duration.ofSeconds(120), Duration.ofSeconds(3));
        Map<String, Integer> perFrame = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : seen) {
          perFrame.merge(f.segmentations.decode(r).getFrameId(), 1, Integer::sum);
        }
        assertThat(perFrame).as("every frame once, none lost, none twice").hasSize(60);
        assertThat(perFrame.values()).containsOnly(1);
      }
    }
  }

  @Test
  void everyCommittedFrameIsTracedOnceAndItsStagesAddUpToCaptureToCommit(KafkaBroker kafka)
      throws Exception {
    try (InferenceFixture f = new InferenceFixture(kafka)) {
      f.publishVersion(1);
      Map<String, String> settings = f.settings("pipeline-b");
      settings.put(InferenceSettings.Key.MAX_WAIT_MS.env(), "0");
      try (InferenceService service = f.start(settings)) {
        Map<String, FrameTrace> traces = new ConcurrentHashMap<>();
        List<String> twice = new ArrayList<>();
        service.onFrameTrace(
            t -> {
              if (traces.put(t.frameId(), t) != null) {
                twice.add(t.frameId());
              }
            });
        await().atMost(Duration.ofSeconds(60)).until(service::consuming);
        f.sendFrames(0, 30, 3, new Random(4));
        List<ConsumerRecord<String, byte[]>> seen =
            InferenceFixture.drain(f.results(), 30, Duration.ofSeconds(120), Duration.ofSeconds(1));
        assertThat(seen).hasSize(30);
        await().atMost(Duration.ofSeconds(10)).until(() -> traces.size() == 30);
        assertThat(twice).isEmpty();
        for (ConsumerRecord<String, byte[]> r : seen) {
          Segmentation s = f.segmentations.decode(r);
          FrameTrace t = traces.get(s.getFrameId());
          assertThat(t).as(s.getFrameId()).isNotNull();
          long captured = s.getTimings().getCaptured().toEpochMilli();
          assertThat(t.capturedAtMillis()).isEqualTo(captured);
          // the stages are measured on two clocks (wall for delivery, monotonic after): they
          // add up to capture-to-commit within the wall clock's millisecond steps
          assertThat(t.endToEndMs())
              .isCloseTo(
                  t.committedAtMillis() - captured, org.assertj.core.data.Offset.offset(3.0));
          assertThat(t.modelMs()).isPositive();
          assertThat(t.batchSize()).isBetween(1, 8);
          assertThat(t.committedAtMillis())
              .isGreaterThanOrEqualTo(s.getTimings().getProduced().toEpochMilli());
        }
        String text = metrics(service);
        for (String stage : FrameTrace.STAGES) {
          assertThat(
                  PrometheusText.value(
                      text, "allspark_inference_stage_latency_seconds_count", "stage", stage))
              .as(stage)
              .isEqualTo(30.0);
        }
      }
    }
  }

  private static void maxMessageBytes(Admin admin, String topic, int bytes) throws Exception {
    admin
        .incrementalAlterConfigs(
            Map.of(
                new ConfigResource(ConfigResource.Type.TOPIC, topic),
                List.of(
                    new AlterConfigOp(
                        new ConfigEntry("max.message.bytes", Integer.toString(bytes)),
                        AlterConfigOp.OpType.SET))))
        .all()
        .get();
  }

  private static double metric(InferenceService service, String name) throws Exception {
    return PrometheusText.value(metrics(service), name, "service", "inference");
  }

  private static String metrics(InferenceService service) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + service.httpPort() + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
