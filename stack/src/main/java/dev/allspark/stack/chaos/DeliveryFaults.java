package dev.allspark.stack.chaos;

import static dev.allspark.stack.chaos.BadInputs.*;
import static dev.allspark.stack.chaos.ChaosRun.*;
import static dev.allspark.stack.chaos.Http.*;

import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.Segmentation;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.Topic;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Part 1 of the suite: every frame through ingest and inference, once, across kills. */
final class DeliveryFaults {
  private final ChaosRun run;

  DeliveryFaults(ChaosRun run) {
    this.run = run;
  }

  // ------------------------------------------------------------------ 1. delivery

  Service delivery(Path dir, StandaloneBroker broker) throws Exception {
    Random rng = new Random(run.seed);
    Map<String, String> ingestEnv = run.env();
    ingestEnv.put("ALLSPARK_KAFKA_DELIVERY_TIMEOUT_MS", Integer.toString(run.deliveryTimeoutMs));
    ingestEnv.put(
        "ALLSPARK_KAFKA_REQUEST_TIMEOUT_MS",
        Integer.toString(Math.max(1000, run.deliveryTimeoutMs / 3)));
    Service ingest =
        Service.command(
            "ingest-fleet",
            List.of(
                "ingest",
                "--bootstrap",
                run.bootstrap,
                "--source",
                "synthetic",
                "--cameras",
                "2",
                "--fps",
                "4",
                "--size",
                "96x72",
                "--max-frames",
                Integer.toString(run.frames),
                "--http-port",
                Integer.toString(freePort())),
            ingestEnv,
            dir,
            "384m");
    run.services.add(ingest);
    Map<String, String> infEnv = run.env();
    infEnv.put("ALLSPARK_INFERENCE_INPUT_SIZE", "96x72");
    infEnv.put("ALLSPARK_INFERENCE_HTTP_PORT", Integer.toString(freePort()));
    infEnv.put("ALLSPARK_INFERENCE_TRANSACTION_TIMEOUT_MS", "15000");
    infEnv.put("ALLSPARK_INFERENCE_INSTANCE_ID", "chaos-a");
    Service inference = Service.command("inference", List.of("inference"), infEnv, dir, "1g");
    run.services.add(inference);
    long t0 = System.nanoTime();
    inference.start();
    ingest.start();
    int outageAt = Math.max(1, run.kills / 2);
    long outageMillis = (long) (2.5 * run.deliveryTimeoutMs);
    Service current = inference;
    for (int k = 1; k <= run.kills; k++) {
      Thread.sleep(4000 + rng.nextInt(5000));
      current.kill9();
      System.err.printf("chaos: inference killed (%d of %d)%n", k, run.kills);
      if (k == outageAt) {
        broker.kill();
        System.err.printf("chaos: broker killed, down for %d ms%n", outageMillis);
        Thread.sleep(outageMillis);
        broker.start();
        System.err.println("chaos: broker back");
      }
      if (k == run.kills / 3) {
        // once under another instance id: its predecessor's open transaction times out
        Map<String, String> other = new HashMap<>(infEnv);
        other.put("ALLSPARK_INFERENCE_INSTANCE_ID", "chaos-b");
        current = Service.command("inference-b", List.of("inference"), other, dir, "1g");
        run.services.add(current);
      } else if (current != inference && k == run.kills / 3 + 1) {
        current = inference;
      }
      current.start();
    }
    int ingestExit = ingest.await(900);
    run.report.put("ingestExit", ingestExit);
    if (ingestExit != 0) {
      run.failures.add(
          "ingest did not finish cleanly (exit " + ingestExit + "), see " + ingest.log());
    }
    // all results in: every frames record has a result or a dead letter
    Map<String, Object> d = new LinkedHashMap<>();
    long deadline = System.nanoTime() + 300_000_000_000L;
    Tally t;
    do {
      Thread.sleep(3000);
      t = tally();
    } while (t.lost > 0 && System.nanoTime() < deadline);
    d.put("framesHanded", run.frames);
    d.put("framesOnTopic", t.frameRecords);
    d.put("framesDistinct", t.frameIds);
    d.put("framesLostAtIngest", run.frames - t.frameIds);
    d.put("framesDuplicatedAtIngest", t.frameRecords - t.frameIds);
    d.put("results", t.results);
    d.put("resultsLost", t.lost);
    d.put("resultsDuplicated", t.duplicated);
    d.put("deadLetters", t.dead);
    d.put("inferenceKills", run.kills);
    d.put("brokerOutageMs", outageMillis);
    d.put("deliveryTimeoutMs", run.deliveryTimeoutMs);
    d.put("seconds", (System.nanoTime() - t0) / 1_000_000_000L);
    run.report.put("delivery", d);
    if (run.frames - t.frameIds != 0) {
      run.failures.add(
          (run.frames - t.frameIds) + " frames handed to ingest never reached camera.frames");
    }
    if (t.lost != 0) {
      run.failures.add(t.lost + " frames without a result");
    }
    if (t.duplicated != 0) {
      run.failures.add(t.duplicated + " results duplicated");
    }
    return current;
  }

  record Tally(
      long frameRecords, long frameIds, long results, long lost, long duplicated, long dead) {}

  private Tally tally() {
    AvroSerde<CameraFrame> fs = new AvroSerde<>(CameraFrame.class);
    AvroSerde<Segmentation> ss = new AvroSerde<>(Segmentation.class);
    Map<String, Integer> framesById = new HashMap<>();
    long frameRecords = 0;
    for (ConsumerRecord<String, byte[]> r : run.readAll(Topic.CAMERA_FRAMES)) {
      frameRecords++;
      framesById.merge(fs.decode(r).getFrameId(), 1, Integer::sum);
    }
    Map<String, Integer> resultsById = new HashMap<>();
    long results = 0;
    for (ConsumerRecord<String, byte[]> r : run.readAll(Topic.SEGMENTATIONS)) {
      results++;
      resultsById.merge(ss.decode(r).getFrameId(), 1, Integer::sum);
    }
    long dead = run.readAll(Topic.CAMERA_FRAMES_DLQ).size();
    long lost = 0;
    long duplicated = 0;
    for (Map.Entry<String, Integer> e : framesById.entrySet()) {
      int got = resultsById.getOrDefault(e.getKey(), 0);
      lost += Math.max(0, e.getValue() - got);
      duplicated += Math.max(0, got - e.getValue());
    }
    return new Tally(
        frameRecords, framesById.size(), results, Math.max(0, lost - dead), duplicated, dead);
  }

  // ------------------------------------------------------------------ 2 and 3
}
