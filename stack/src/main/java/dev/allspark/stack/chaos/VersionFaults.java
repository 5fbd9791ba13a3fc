package dev.allspark.stack.chaos;

import static dev.allspark.stack.chaos.BadInputs.*;
import static dev.allspark.stack.chaos.ChaosRun.*;
import static dev.allspark.stack.chaos.Http.*;

import dev.allspark.model.Checkpoint;
import dev.allspark.schemas.kafka.CheckpointPublisher;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.kafka.TopicsInitializer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;

/** Part 5: inference start-up with 5 and with 200 checkpoint versions on the topic. */
final class VersionFaults {
  private final ChaosRun run;

  VersionFaults(ChaosRun run) {
    this.run = run;
  }

  /**
   * Inference start-up (until it serves) and its peak memory with 5 and with 200 versions
   * published, old ones removed by the trainer's retention (tombstones beyond the newest 20).
   */
  void versions(Path dir) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    byte[] file = tinyModel();
    for (int n : new int[] {5, 200}) {
      TopicCatalog catalog = TopicCatalog.prefixed("v" + n + ".");
      String topic = catalog.name(Topic.MODEL_CHECKPOINTS);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", run.bootstrap))) {
        // small segments so that this run's few megabytes are compacted as a deployment's
        // gigabytes would be with the catalog's 64 MiB segments
        Map<String, String> c = new HashMap<>(catalog.configs(Topic.MODEL_CHECKPOINTS));
        c.put("segment.bytes", Integer.toString(1 << 20));
        c.put("min.cleanable.dirty.ratio", "0.01");
        c.put("delete.retention.ms", "1000");
        admin
            .createTopics(
                List.of(
                    new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1).configs(c)))
            .all()
            .get();
        new TopicsInitializer(admin, catalog, (short) 1).run();
      }
      try (KafkaProducer<String, byte[]> p = run.producer()) {
        CheckpointPublisher publisher = new CheckpointPublisher(p, topic);
        for (long v = 1; v <= n; v++) {
          int chunks =
              publisher.send(
                  CheckpointPublisher.Version.inSequence(
                      v, file, Checkpoint.FORMAT, Map.of("val.mIoU", 0.0)));
          if (v > 20) {
            publisher.remove(v - 20, chunks);
          }
        }
        publisher.flush();
      }
      long written = run.topicBytes(topic);
      long compacted = written;
      long until = System.nanoTime() + 120_000_000_000L;
      while (System.nanoTime() < until) {
        Thread.sleep(2000);
        long now = run.topicBytes(topic);
        if (now >= compacted && compacted < written) {
          break; // shrank, and stopped shrinking
        }
        compacted = now;
        if (n <= 20) {
          break; // nothing to remove
        }
      }
      int port = freePort();
      Map<String, String> e = run.env();
      e.putAll(catalog.environment());
      e.put("ALLSPARK_INFERENCE_INPUT_SIZE", "96x72");
      e.put("ALLSPARK_INFERENCE_HTTP_PORT", Integer.toString(port));
      e.put("ALLSPARK_INFERENCE_INSTANCE_ID", "versions-" + n);
      e.put("ALLSPARK_INFERENCE_GROUP", "versions-" + n);
      Service inference =
          Service.command("inference-versions-" + n, List.of("inference"), e, dir, "1g");
      run.services.add(inference);
      long t0 = System.nanoTime();
      inference.start();
      long end = System.nanoTime() + 300_000_000_000L;
      while (status("http://127.0.0.1:" + port + "/health", 1000) != 200
          && System.nanoTime() < end) {
        Thread.sleep(100);
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      long rss = inference.peakRssMiB();
      inference.stop(20);
      out.put(
          n + " versions",
          Map.of(
              "startToServingMs",
              ms,
              "peakRssMiB",
              rss,
              "checkpointBytes",
              file.length,
              "bytesPublished",
              (long) n * file.length,
              "topicBytesRightAfterPublishing",
              written,
              "topicBytesAfterCompaction",
              compacted));
    }
    run.report.put("versions", out);
  }

  // ------------------------------------------------------------------ helpers
}
