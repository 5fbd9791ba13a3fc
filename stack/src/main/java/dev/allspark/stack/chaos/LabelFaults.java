package dev.allspark.stack.chaos;

import static dev.allspark.stack.chaos.BadInputs.*;
import static dev.allspark.stack.chaos.ChaosRun.*;
import static dev.allspark.stack.chaos.Http.*;

import dev.allspark.ingest.SyntheticFleet;
import dev.allspark.schemas.LabeledFrame;
import dev.allspark.schemas.kafka.AvroSerde;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;

/** Part 4: labels arriving while the trainer trains, and the trainer killed and resumed. */
final class LabelFaults {
  private final ChaosRun run;

  LabelFaults(ChaosRun run) {
    this.run = run;
  }

  void labelsDuringTraining(Path dir) throws Exception {
    int port = freePort();
    Map<String, String> e = run.env();
    e.put("ALLSPARK_TRAINER_MODEL", "tiny");
    e.put("ALLSPARK_TRAINER_CROP", "49");
    e.put("ALLSPARK_TRAINER_BATCH", "2");
    e.put("ALLSPARK_TRAINER_TRAIN_SIZE", "96x72");
    e.put("ALLSPARK_TRAINER_MIN_LABELS", "10");
    e.put("ALLSPARK_TRAINER_HOLDOUT_FRACTION", "0.2");
    e.put("ALLSPARK_TRAINER_EVAL_EVERY", "50");
    e.put("ALLSPARK_TRAINER_SAVE_EVERY", "10");
    e.put("ALLSPARK_TRAINER_HTTP_PORT", Integer.toString(port));
    e.put("ALLSPARK_TRAINER_STATE_DIR", dir.resolve("trainer-state").toString());
    Service trainer =
        Service.command("trainer", List.of("trainer", "--bootstrap", run.bootstrap), e, dir, "2g");
    run.services.add(trainer);
    SyntheticFleet fleet = new SyntheticFleet(7, 96, 72);
    AvroSerde<LabeledFrame> ls = new AvroSerde<>(LabeledFrame.class);
    try (KafkaProducer<String, byte[]> p = run.producer()) {
      for (int i = 0; i < 20; i++) {
        p.send(run.labeled(ls, fleet, "seed-" + i, i)).get();
      }
    }
    trainer.start();
    awaitLive(port, trainer);
    long until = System.nanoTime() + 240_000_000_000L;
    while (step(port) < 3 && System.nanoTime() < until) {
      Thread.sleep(500);
    }
    Map<String, Object> l = new LinkedHashMap<>();
    if (step(port) < 3) {
      run.failures.add("the trainer did not start training within 4 minutes, see " + trainer.log());
      run.report.put("labelsDuringTraining", l);
      return;
    }
    double base = metric(port, "allspark_trainer_labels_seen_total");
    List<Long> latencies = new ArrayList<>();
    long[] sentAt = new long[run.labels];
    try (KafkaProducer<String, byte[]> p = run.producer()) {
      int seen = 0;
      int next = 0;
      long lastSend = 0;
      long stop = System.nanoTime() + 120_000_000_000L;
      while (seen < run.labels && System.nanoTime() < stop) {
        if (next < run.labels && System.nanoTime() - lastSend > 500_000_000L) {
          p.send(run.labeled(ls, fleet, "late-" + next, 100 + next)).get();
          sentAt[next++] = lastSend = System.nanoTime();
        }
        int now = (int) (metric(port, "allspark_trainer_labels_seen_total") - base);
        while (seen < Math.min(now, next)) {
          latencies.add((System.nanoTime() - sentAt[seen]) / 1_000_000);
          seen++;
        }
        Thread.sleep(100);
      }
    }
    List<Long> sorted = new ArrayList<>(latencies);
    sorted.sort(Long::compare);
    l.put("labelsSent", run.labels);
    l.put("labelsSeen", latencies.size());
    if (!sorted.isEmpty()) {
      l.put("p50Ms", sorted.get(sorted.size() / 2));
      l.put(
          "p99Ms",
          sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(0.99 * sorted.size()) - 1)));
      l.put("maxMs", sorted.get(sorted.size() - 1));
    }
    if (latencies.size() < run.labels || sorted.get(sorted.size() - 1) >= 30_000) {
      run.failures.add(
          "labels during training: "
              + latencies.size()
              + " of "
              + run.labels
              + " seen, slowest "
              + (sorted.isEmpty() ? "-" : sorted.get(sorted.size() - 1) + " ms"));
    }
    // the trainer killed at a random moment resumes from its saved state (saved every 10 steps)
    until = System.nanoTime() + 240_000_000_000L;
    long target = step(port) + 15 + new Random(run.seed).nextInt(10);
    while (step(port) < target && System.nanoTime() < until) {
      Thread.sleep(200);
    }
    long before = step(port);
    trainer.kill9();
    trainer.start();
    awaitLive(port, trainer);
    long resumed = -1;
    until = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < until && (resumed = step(port)) <= 0) {
      Thread.sleep(500);
    }
    l.put("trainerStepAtKill", before);
    l.put("trainerStepAfterRestart", resumed);
    long saved = before / 10 * 10;
    if (resumed < saved) {
      run.failures.add(
          "the trainer killed at step "
              + before
              + " came back at step "
              + resumed
              + ", before its last save ("
              + saved
              + ")");
    }
    run.report.put("labelsDuringTraining", l);
  }

  // ------------------------------------------------------------------ 5. many versions
}
