package dev.allspark.stack.chaos;

import ai.djl.ndarray.NDManager;
import dev.allspark.ingest.SyntheticFleet;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.Checkpoint;
import dev.allspark.model.ModelConfig;
import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.CheckpointRecord;
import dev.allspark.schemas.ImageEncoding;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.LabeledFrame;
import dev.allspark.schemas.Segmentation;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.CheckpointTopic;
import dev.allspark.schemas.kafka.DeadLetters;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.kafka.TopicsInitializer;
import dev.allspark.schemas.labels.ClassSet;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code allspark chaos}: the reliability suite. It starts a standalone KRaft broker and the
 * product's services as separate processes on loopback and breaks them as an operator's worst day
 * would, then counts what came out:
 *
 * <ol>
 *   <li><b>delivery</b>: the synthetic fleet through ingest into inference while inference is
 *       killed with SIGKILL at random moments (once restarted under another instance id) and the
 *       broker is killed and kept down for longer than twice the producers' {@code
 *       delivery.timeout.ms}; every frame must reach {@code camera.frames} and get exactly one
 *       result on {@code segmentations} (read_committed).
 *   <li><b>slow clients</b>: clients that declare a body and never send it hold connections to
 *       ingest and the bridge while {@code /health/live} is probed.
 *   <li><b>malformed input</b>: a catalogue of bad pushes to ingest (each must be refused with its
 *       status) and of bad records on {@code camera.frames} and {@code labels.masks} (each must
 *       reach a DLQ with a readable reason).
 *   <li><b>labels during training</b>: labeled frames arrive one by one while the trainer trains;
 *       the time until the trainer has seen each; then the trainer is killed and must resume.
 * </ol>
 *
 * It prints the figures as JSON and exits 1 when anything was lost, duplicated, accepted that
 * should not be, or too slow.
 */
@Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    description = {
      "Reliability suite: real processes on a standalone broker, killed and starved on loopback;",
      "prints counts (sent, committed, lost, duplicated, DLQ reasons, refusals) as JSON and exits",
      "1 on any loss, duplicate, accepted bad input or slow health answer."
    })
public final class ChaosCommand implements Callable<Integer> {
  @Option(names = "--kills", defaultValue = "10", description = "SIGKILLs of inference.")
  int kills;

  @Option(names = "--frames", defaultValue = "800", description = "Frames the fleet sends.")
  int frames;

  @Option(
      names = "--delivery-timeout-ms",
      defaultValue = "10000",
      description = "The producers' delivery.timeout.ms; the broker outage lasts 2.5 times it.")
  int deliveryTimeoutMs;

  @Option(names = "--labels", defaultValue = "40", description = "Labels sent during training.")
  int labels;

  @Option(names = "--work-dir", description = "Logs and data (default: a new temporary folder).")
  Path workDir;

  @Option(names = "--seed", defaultValue = "1", description = "Random seed of the kill times.")
  long seed;

  @Option(
      names = "--only-versions",
      description = "Run only the last part (inference start-up with 5 and 200 versions).")
  boolean onlyVersions;

  private final Map<String, Object> report = new LinkedHashMap<>();
  private final List<String> failures = new ArrayList<>();
  private final List<Service> services = new ArrayList<>();
  private TopicCatalog topics;
  private String bootstrap;

  @Override
  public Integer call() throws Exception {
    Path dir =
        workDir != null
            ? Files.createDirectories(workDir)
            : Files.createTempDirectory("allspark-chaos-");
    System.err.println("chaos: logs and data in " + dir);
    topics = TopicCatalog.from(Map.of());
    StandaloneBroker broker = new StandaloneBroker(dir);
    broker.start();
    bootstrap = broker.bootstrap();
    report.put("broker", bootstrap);
    try {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        new TopicsInitializer(admin, topics, (short) 1).run();
      }
      if (!onlyVersions) {
        publishTinyModel();
        Service inference = delivery(dir, broker);
        slowAndMalformed(dir, inference);
        labelsDuringTraining(dir);
      }
      versions(dir);
    } finally {
      for (Service s : services) {
        s.stop(20);
      }
      broker.stop();
    }
    report.put("failures", failures);
    report.put("passed", failures.isEmpty());
    System.out.println(Json.write(report));
    return failures.isEmpty() ? 0 : 1;
  }

  // ------------------------------------------------------------------ 1. delivery

  private Service delivery(Path dir, StandaloneBroker broker) throws Exception {
    Random rng = new Random(seed);
    Map<String, String> ingestEnv = env();
    ingestEnv.put("ALLSPARK_KAFKA_DELIVERY_TIMEOUT_MS", Integer.toString(deliveryTimeoutMs));
    ingestEnv.put(
        "ALLSPARK_KAFKA_REQUEST_TIMEOUT_MS",
        Integer.toString(Math.max(1000, deliveryTimeoutMs / 3)));
    Service ingest =
        Service.command(
            "ingest-fleet",
            List.of(
                "ingest",
                "--bootstrap",
                bootstrap,
                "--source",
                "synthetic",
                "--cameras",
                "2",
                "--fps",
                "4",
                "--size",
                "96x72",
                "--max-frames",
                Integer.toString(frames),
                "--http-port",
                Integer.toString(freePort())),
            ingestEnv,
            dir,
            "384m");
    services.add(ingest);
    Map<String, String> infEnv = env();
    infEnv.put("ALLSPARK_INFERENCE_INPUT_SIZE", "96x72");
    infEnv.put("ALLSPARK_INFERENCE_HTTP_PORT", Integer.toString(freePort()));
    infEnv.put("ALLSPARK_INFERENCE_TRANSACTION_TIMEOUT_MS", "15000");
    infEnv.put("ALLSPARK_INFERENCE_INSTANCE_ID", "chaos-a");
    Service inference = Service.command("inference", List.of("inference"), infEnv, dir, "1g");
    services.add(inference);
    long t0 = System.nanoTime();
    inference.start();
    ingest.start();
    int outageAt = Math.max(1, kills / 2);
    long outageMillis = (long) (2.5 * deliveryTimeoutMs);
    Service current = inference;
    for (int k = 1; k <= kills; k++) {
      Thread.sleep(4000 + rng.nextInt(5000));
      current.kill9();
      System.err.printf("chaos: inference killed (%d of %d)%n", k, kills);
      if (k == outageAt) {
        broker.kill();
        System.err.printf("chaos: broker killed, down for %d ms%n", outageMillis);
        Thread.sleep(outageMillis);
        broker.start();
        System.err.println("chaos: broker back");
      }
      if (k == kills / 3) {
        // once under another instance id: its predecessor's open transaction times out
        Map<String, String> other = new HashMap<>(infEnv);
        other.put("ALLSPARK_INFERENCE_INSTANCE_ID", "chaos-b");
        current = Service.command("inference-b", List.of("inference"), other, dir, "1g");
        services.add(current);
      } else if (current != inference && k == kills / 3 + 1) {
        current = inference;
      }
      current.start();
    }
    int ingestExit = ingest.await(900);
    report.put("ingestExit", ingestExit);
    if (ingestExit != 0) {
      failures.add("ingest did not finish cleanly (exit " + ingestExit + "), see " + ingest.log());
    }
    // all results in: every frames record has a result or a dead letter
    Map<String, Object> d = new LinkedHashMap<>();
    long deadline = System.nanoTime() + 300_000_000_000L;
    Tally t;
    do {
      Thread.sleep(3000);
      t = tally();
    } while (t.lost > 0 && System.nanoTime() < deadline);
    d.put("framesHanded", frames);
    d.put("framesOnTopic", t.frameRecords);
    d.put("framesDistinct", t.frameIds);
    d.put("framesLostAtIngest", frames - t.frameIds);
    d.put("framesDuplicatedAtIngest", t.frameRecords - t.frameIds);
    d.put("results", t.results);
    d.put("resultsLost", t.lost);
    d.put("resultsDuplicated", t.duplicated);
    d.put("deadLetters", t.dead);
    d.put("inferenceKills", kills);
    d.put("brokerOutageMs", outageMillis);
    d.put("deliveryTimeoutMs", deliveryTimeoutMs);
    d.put("seconds", (System.nanoTime() - t0) / 1_000_000_000L);
    report.put("delivery", d);
    if (frames - t.frameIds != 0) {
      failures.add((frames - t.frameIds) + " frames handed to ingest never reached camera.frames");
    }
    if (t.lost != 0) {
      failures.add(t.lost + " frames without a result");
    }
    if (t.duplicated != 0) {
      failures.add(t.duplicated + " results duplicated");
    }
    return current;
  }

  private record Tally(
      long frameRecords, long frameIds, long results, long lost, long duplicated, long dead) {}

  private Tally tally() {
    AvroSerde<CameraFrame> fs = new AvroSerde<>(CameraFrame.class);
    AvroSerde<Segmentation> ss = new AvroSerde<>(Segmentation.class);
    Map<String, Integer> framesById = new HashMap<>();
    long frameRecords = 0;
    for (ConsumerRecord<String, byte[]> r : readAll(Topic.CAMERA_FRAMES)) {
      frameRecords++;
      framesById.merge(fs.decode(r).getFrameId(), 1, Integer::sum);
    }
    Map<String, Integer> resultsById = new HashMap<>();
    long results = 0;
    for (ConsumerRecord<String, byte[]> r : readAll(Topic.SEGMENTATIONS)) {
      results++;
      resultsById.merge(ss.decode(r).getFrameId(), 1, Integer::sum);
    }
    long dead = readAll(Topic.CAMERA_FRAMES_DLQ).size();
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

  private void slowAndMalformed(Path dir, Service inference) throws Exception {
    int ingestPort = freePort();
    Service push =
        Service.command(
            "ingest-http",
            List.of(
                "ingest",
                "--bootstrap",
                bootstrap,
                "--source",
                "http",
                "--http-port",
                Integer.toString(ingestPort)),
            env(),
            dir,
            "384m");
    int bridgePort = freePort();
    Map<String, String> bridgeEnv = env();
    bridgeEnv.put(
        "ALLSPARK_BRIDGE_TOKEN", "chaos-" + Long.toHexString(new Random(seed).nextLong()));
    bridgeEnv.put("ALLSPARK_BRIDGE_STATE_DIR", dir.resolve("bridge-state").toString());
    Service bridge =
        Service.command(
            "labeling-bridge",
            List.of(
                "labeling-bridge",
                "--bootstrap",
                bootstrap,
                "--http-port",
                Integer.toString(bridgePort)),
            bridgeEnv,
            dir,
            "512m");
    services.add(push);
    services.add(bridge);
    push.start();
    bridge.start();
    awaitLive(ingestPort, push);
    awaitLive(bridgePort, bridge);

    // 2. slow clients
    Map<String, Object> slow = new LinkedHashMap<>();
    for (Object[] target :
        new Object[][] {
          {
            "ingest",
            ingestPort,
            "POST /frames HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nX-Vehicle-Id: v\r\nX-Camera-Id: c\r\nX-Capture-Time: 1\r\nContent-Length: 1000000\r\n\r\nabc"
          },
          {
            "labeling-bridge",
            bridgePort,
            "PUT /api/mask?frame=x HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 1000000\r\n\r\nabc"
          }
        }) {
      String name = (String) target[0];
      int port = (Integer) target[1];
      List<Socket> held = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        Socket s = new Socket("127.0.0.1", port);
        s.getOutputStream().write(((String) target[2]).getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        held.add(s);
      }
      Thread.sleep(500);
      long worst = 0;
      int failed = 0;
      for (int i = 0; i < 20; i++) {
        long t0 = System.nanoTime();
        int code = status("http://127.0.0.1:" + port + "/health/live", 2000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        worst = Math.max(worst, ms);
        if (code != 200) {
          failed++;
        }
        Thread.sleep(250);
      }
      for (Socket s : held) {
        s.close();
      }
      slow.put(name, Map.of("slowClients", 8, "probes", 20, "failed", failed, "slowestMs", worst));
      if (failed > 0 || worst >= 1000) {
        failures.add(
            name
                + ": /health/live failed "
                + failed
                + " of 20, slowest "
                + worst
                + " ms with 8 slow clients");
      }
    }
    report.put("slowClients", slow);

    // 3a. bad pushes: each refused with its status
    byte[] png = png(new SyntheticFleet(3, 64, 48).scene(0, 0).image());
    ByteArrayOutputStream bmp = new ByteArrayOutputStream();
    ImageIO.write(new SyntheticFleet(3, 64, 48).scene(0, 0).image(), "bmp", bmp);
    String frames = "http://127.0.0.1:" + ingestPort + "/frames";
    Map<String, Object> pushes = new LinkedHashMap<>();
    int refusedPushes = 0;
    // the slow clients above were cut off and count as refused too: count from here
    double rejectedBefore = metric(ingestPort, "allspark_ingest_rejected_total");
    Object[][] catalogue = {
      {
        "no camera header",
        "POST",
        "image/png",
        Map.of("X-Vehicle-Id", "v", "X-Capture-Time", "1"),
        png,
        400
      },
      {"capture time not a time", "POST", "image/png", headers("yesterday"), png, 400},
      {
        "capture time out of range",
        "POST",
        "image/png",
        headers("+1000000000-01-01T00:00:00Z"),
        png,
        400
      },
      {"bytes not an image", "POST", "image/png", headers("1"), new byte[] {1, 2, 3}, 400},
      {"PNG declared JPEG", "POST", "image/jpeg", headers("1"), png, 400},
      {"BMP declared PNG", "POST", "image/png", headers("1"), bmp.toByteArray(), 400},
      {"empty body", "POST", "image/png", headers("1"), new byte[0], 400},
      {"GIF content type", "POST", "image/gif", headers("1"), png, 415},
      {"GET", "GET", "image/png", headers("1"), null, 405},
      {"body over the limit", "POST", "image/png", headers("1"), new byte[11 << 20], 413},
    };
    for (Object[] c : catalogue) {
      @SuppressWarnings("unchecked")
      int got =
          request(frames, (String) c[1], (String) c[2], (Map<String, String>) c[3], (byte[]) c[4]);
      pushes.put((String) c[0], got);
      if (got == (Integer) c[5]) {
        refusedPushes++;
      } else {
        failures.add("push '" + c[0] + "' answered " + got + ", expected " + c[5]);
      }
    }
    int declaredHuge =
        rawStatus(
            ingestPort,
            "POST /frames HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nX-Vehicle-Id: v\r\nX-Camera-Id: c\r\nX-Capture-Time: 1\r\nContent-Length: 1000000000000\r\n\r\n");
    pushes.put("declared length 10^12", declaredHuge);
    if (declaredHuge == 413) {
      refusedPushes++;
    } else {
      failures.add(
          "push with a declared length of 10^12 answered " + declaredHuge + ", expected 413");
    }
    double counted = metric(ingestPort, "allspark_ingest_rejected_total") - rejectedBefore;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pushes", pushes);
    m.put("pushesRefusedAsExpected", refusedPushes + " of " + (catalogue.length + 1));
    m.put("ingestRejectedMetric", counted);
    if (counted != catalogue.length + 1) {
      failures.add(
          "allspark_ingest_rejected_total is "
              + counted
              + " after "
              + (catalogue.length + 1)
              + " refusals");
    }

    // 3b. bad records on camera.frames: each to the DLQ with a readable reason
    AvroSerde<CameraFrame> fs = new AvroSerde<>(CameraFrame.class);
    int before = readAll(Topic.CAMERA_FRAMES_DLQ).size();
    Map<String, byte[]> bad = new LinkedHashMap<>();
    bad.put("not Avro", "garbage".getBytes(StandardCharsets.UTF_8));
    bad.put("tombstone", null);
    bad.put("declared size wrong", fs.encode(frame("bad/size", png, 640, 480, ImageEncoding.PNG)));
    bad.put("empty image", fs.encode(frame("bad/empty", new byte[0], 64, 48, ImageEncoding.PNG)));
    bad.put("PNG declared JPEG", fs.encode(frame("bad/enc", png, 64, 48, ImageEncoding.JPEG)));
    bad.put("decompression bomb", fs.encode(frame("bad/bomb", bomb(), 64, 48, ImageEncoding.PNG)));
    bad.put(
        "undecodable PNG", fs.encode(frame("bad/png", truncated(png), 64, 48, ImageEncoding.PNG)));
    try (KafkaProducer<String, byte[]> p = producer()) {
      for (Map.Entry<String, byte[]> e : bad.entrySet()) {
        p.send(new ProducerRecord<>(topics.name(Topic.CAMERA_FRAMES), "chaos-bad", e.getValue()))
            .get();
      }
    }
    Map<String, String> reasons = new LinkedHashMap<>();
    long end = System.nanoTime() + 120_000_000_000L;
    List<ConsumerRecord<String, byte[]>> dead = List.of();
    while (System.nanoTime() < end) {
      dead = readAll(Topic.CAMERA_FRAMES_DLQ);
      if (dead.size() >= before + bad.size()) {
        break;
      }
      Thread.sleep(1000);
    }
    List<String> names = new ArrayList<>(bad.keySet());
    for (int i = before; i < dead.size() && i - before < names.size(); i++) {
      reasons.put(names.get(i - before), reason(dead.get(i)));
    }
    m.put("framesToDlq", reasons);
    for (String n : names) {
      String r = reasons.get(n);
      if (r == null || r.isBlank() || r.contains("NullPointerException") || r.endsWith(": ")) {
        failures.add(
            "bad frame '" + n + "': DLQ reason " + (r == null ? "missing" : "'" + r + "'"));
      }
    }

    // 3c. bad records on labels.masks: each to its DLQ
    int beforeMasks = readAll(Topic.LABELS_MASKS_DLQ).size();
    AvroSerde<LabelMask> ms = new AvroSerde<>(LabelMask.class);
    Map<String, byte[]> badMasks = new LinkedHashMap<>();
    badMasks.put("not Avro", "garbage".getBytes(StandardCharsets.UTF_8));
    badMasks.put(
        "mask not a PNG",
        ms.encode(
            LabelMask.newBuilder()
                .setFrameId("chaos/mask")
                .setMask(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .setWidth(64)
                .setHeight(48)
                .setClassSetVersion("camvid-11")
                .setLabeler("chaos")
                .setLabeledAt(Instant.now())
                .build()));
    try (KafkaProducer<String, byte[]> p = producer()) {
      for (Map.Entry<String, byte[]> e : badMasks.entrySet()) {
        p.send(new ProducerRecord<>(topics.name(Topic.LABELS_MASKS), "chaos/mask", e.getValue()))
            .get();
      }
    }
    Map<String, String> maskReasons = new LinkedHashMap<>();
    end = System.nanoTime() + 90_000_000_000L;
    List<ConsumerRecord<String, byte[]>> deadMasks = List.of();
    while (System.nanoTime() < end) {
      deadMasks = readAll(Topic.LABELS_MASKS_DLQ);
      if (deadMasks.size() >= beforeMasks + badMasks.size()) {
        break;
      }
      Thread.sleep(1000);
    }
    List<String> maskNames = new ArrayList<>(badMasks.keySet());
    for (int i = beforeMasks; i < deadMasks.size() && i - beforeMasks < maskNames.size(); i++) {
      maskReasons.put(maskNames.get(i - beforeMasks), reason(deadMasks.get(i)));
    }
    m.put("masksToDlq", maskReasons);
    if (maskReasons.size() < badMasks.size()) {
      failures.add(
          "bad masks: "
              + maskReasons.size()
              + " of "
              + badMasks.size()
              + " reached labels.masks.dlq");
    }
    report.put("malformed", m);
  }

  // ------------------------------------------------------------------ 4. labels during training

  private void labelsDuringTraining(Path dir) throws Exception {
    int port = freePort();
    Map<String, String> e = env();
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
        Service.command("trainer", List.of("trainer", "--bootstrap", bootstrap), e, dir, "2g");
    services.add(trainer);
    SyntheticFleet fleet = new SyntheticFleet(7, 96, 72);
    AvroSerde<LabeledFrame> ls = new AvroSerde<>(LabeledFrame.class);
    try (KafkaProducer<String, byte[]> p = producer()) {
      for (int i = 0; i < 20; i++) {
        p.send(labeled(ls, fleet, "seed-" + i, i)).get();
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
      failures.add("the trainer did not start training within 4 minutes, see " + trainer.log());
      report.put("labelsDuringTraining", l);
      return;
    }
    double base = metric(port, "allspark_trainer_labels_seen_total");
    List<Long> latencies = new ArrayList<>();
    long[] sentAt = new long[labels];
    try (KafkaProducer<String, byte[]> p = producer()) {
      int seen = 0;
      int next = 0;
      long lastSend = 0;
      long stop = System.nanoTime() + 120_000_000_000L;
      while (seen < labels && System.nanoTime() < stop) {
        if (next < labels && System.nanoTime() - lastSend > 500_000_000L) {
          p.send(labeled(ls, fleet, "late-" + next, 100 + next)).get();
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
    l.put("labelsSent", labels);
    l.put("labelsSeen", latencies.size());
    if (!sorted.isEmpty()) {
      l.put("p50Ms", sorted.get(sorted.size() / 2));
      l.put(
          "p99Ms",
          sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(0.99 * sorted.size()) - 1)));
      l.put("maxMs", sorted.get(sorted.size() - 1));
    }
    if (latencies.size() < labels || sorted.get(sorted.size() - 1) >= 30_000) {
      failures.add(
          "labels during training: "
              + latencies.size()
              + " of "
              + labels
              + " seen, slowest "
              + (sorted.isEmpty() ? "-" : sorted.get(sorted.size() - 1) + " ms"));
    }
    // the trainer killed at a random moment resumes from its saved state (saved every 10 steps)
    until = System.nanoTime() + 240_000_000_000L;
    long target = step(port) + 15 + new Random(seed).nextInt(10);
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
      failures.add(
          "the trainer killed at step "
              + before
              + " came back at step "
              + resumed
              + ", before its last save ("
              + saved
              + ")");
    }
    report.put("labelsDuringTraining", l);
  }

  // ------------------------------------------------------------------ 5. many versions

  /**
   * Inference start-up (until it serves) and its peak memory with 5 and with 200 versions
   * published, old ones removed by the trainer's retention (tombstones beyond the newest 20).
   */
  private void versions(Path dir) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    byte[] file = tinyModel();
    AvroSerde<CheckpointRecord> serde = new AvroSerde<>(CheckpointRecord.class);
    for (int n : new int[] {5, 200}) {
      Map<String, String> names = new HashMap<>();
      for (Topic t : Topic.values()) {
        names.put(t.nameEnvironmentVariable(), "v" + n + "." + t.defaultName());
      }
      TopicCatalog catalog = TopicCatalog.from(names);
      String topic = catalog.name(Topic.MODEL_CHECKPOINTS);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
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
      int chunks = 0;
      try (KafkaProducer<String, byte[]> p = producer()) {
        for (long v = 1; v <= n; v++) {
          List<ProducerRecord<String, CheckpointRecord>> records =
              CheckpointTopic.records(
                  topic,
                  v,
                  v > 1 ? v - 1 : null,
                  file,
                  Checkpoint.FORMAT,
                  Map.of("val.mIoU", 0.0),
                  List.of(),
                  CheckpointTopic.DEFAULT_CHUNK_BYTES);
          chunks = records.size() - 1;
          for (ProducerRecord<String, CheckpointRecord> r : records) {
            p.send(
                new ProducerRecord<>(r.topic(), r.partition(), r.key(), serde.encode(r.value())));
          }
          if (v > 20) {
            for (ProducerRecord<String, CheckpointRecord> r :
                CheckpointTopic.tombstones(topic, v - 20, chunks)) {
              p.send(new ProducerRecord<>(r.topic(), r.partition(), r.key(), (byte[]) null));
            }
          }
        }
        p.flush();
      }
      long written = topicBytes(topic);
      long compacted = written;
      long until = System.nanoTime() + 120_000_000_000L;
      while (System.nanoTime() < until) {
        Thread.sleep(2000);
        long now = topicBytes(topic);
        if (now >= compacted && compacted < written) {
          break; // shrank, and stopped shrinking
        }
        compacted = now;
        if (n <= 20) {
          break; // nothing to remove
        }
      }
      int port = freePort();
      Map<String, String> e = env();
      e.putAll(names);
      e.put("ALLSPARK_INFERENCE_INPUT_SIZE", "96x72");
      e.put("ALLSPARK_INFERENCE_HTTP_PORT", Integer.toString(port));
      e.put("ALLSPARK_INFERENCE_INSTANCE_ID", "versions-" + n);
      e.put("ALLSPARK_INFERENCE_GROUP", "versions-" + n);
      Service inference =
          Service.command("inference-versions-" + n, List.of("inference"), e, dir, "1g");
      services.add(inference);
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
    report.put("versions", out);
  }

  // ------------------------------------------------------------------ helpers

  /** The bytes a topic's partitions hold on the broker's disk. */
  private long topicBytes(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      long total = 0;
      for (var dirs : admin.describeLogDirs(List.of(1)).allDescriptions().get().values()) {
        for (var d : dirs.values()) {
          for (var e : d.replicaInfos().entrySet()) {
            if (e.getKey().topic().equals(topic)) {
              total += e.getValue().size();
            }
          }
        }
      }
      return total;
    }
  }

  private Map<String, String> env() {
    Map<String, String> e = new HashMap<>();
    e.put("ALLSPARK_BOOTSTRAP", bootstrap);
    e.put("ALLSPARK_HTTP_BIND", "127.0.0.1");
    return e;
  }

  private static byte[] tinyModel() {
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(ClassSet.CAMVID.size(), 49), m, 1);
      return Checkpoint.of(net, ClassSet.CAMVID, 0, Map.of(), Map.of(), Map.of()).toBytes();
    }
  }

  private void publishTinyModel() throws Exception {
    byte[] file = tinyModel();
    AvroSerde<CheckpointRecord> serde = new AvroSerde<>(CheckpointRecord.class);
    try (KafkaProducer<String, byte[]> p = producer()) {
      for (ProducerRecord<String, CheckpointRecord> r :
          CheckpointTopic.records(
              topics.name(Topic.MODEL_CHECKPOINTS),
              1,
              null,
              file,
              Checkpoint.FORMAT,
              Map.of("val.mIoU", 0.0),
              List.of(),
              CheckpointTopic.DEFAULT_CHUNK_BYTES)) {
        p.send(new ProducerRecord<>(r.topic(), r.partition(), r.key(), serde.encode(r.value())))
            .get();
      }
    }
  }

  private KafkaProducer<String, byte[]> producer() {
    return new KafkaProducer<>(
        Map.of("bootstrap.servers", bootstrap, "max.request.size", 16 << 20, "acks", "all"),
        new StringSerializer(),
        new ByteArraySerializer());
  }

  /** Every record of a topic, read_committed, from its beginning to its current end. */
  private List<ConsumerRecord<String, byte[]>> readAll(Topic topic) {
    String name = topics.name(topic);
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(
            Map.of(
                "bootstrap.servers",
                bootstrap,
                "isolation.level",
                "read_committed",
                "max.partition.fetch.bytes",
                16 << 20,
                "enable.auto.commit",
                false),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          c.partitionsFor(name).stream().map(i -> new TopicPartition(name, i.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (System.nanoTime() < deadline) {
        boolean done = true;
        for (TopicPartition tp : parts) {
          done &= c.position(tp) >= end.get(tp);
        }
        if (done) {
          break;
        }
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          out.add(r);
        }
      }
    }
    out.sort(
        (a, b) ->
            a.partition() != b.partition()
                ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
    return out;
  }

  private static String reason(ConsumerRecord<String, byte[]> r) {
    Header h = r.headers().lastHeader(DeadLetters.REASON_HEADER);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static Map<String, String> headers(String time) {
    return Map.of("X-Vehicle-Id", "v", "X-Camera-Id", "c", "X-Capture-Time", time);
  }

  private static int request(
      String url, String method, String type, Map<String, String> h, byte[] body) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
      c.setRequestMethod(method);
      c.setConnectTimeout(5000);
      c.setReadTimeout(60_000);
      c.setRequestProperty("Content-Type", type);
      h.forEach(c::setRequestProperty);
      if (body != null) {
        c.setDoOutput(true);
        c.setFixedLengthStreamingMode(body.length);
        try (OutputStream out = c.getOutputStream()) {
          out.write(body);
        }
      }
      return c.getResponseCode();
    } catch (IOException e) {
      return -1;
    }
  }

  /** The status of an answer to a request written by hand (headers the JDK client refuses). */
  private static int rawStatus(int port, String head) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      byte[] line = new byte[12];
      int n = in.readNBytes(line, 0, 12);
      String status = new String(line, 0, n, StandardCharsets.US_ASCII);
      return status.startsWith("HTTP/1.1 ") ? Integer.parseInt(status.substring(9, 12)) : -1;
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  private static int status(String url, int timeoutMs) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
      c.setConnectTimeout(timeoutMs);
      c.setReadTimeout(timeoutMs);
      int code = c.getResponseCode();
      c.getInputStream().readAllBytes();
      return code;
    } catch (IOException e) {
      return -1;
    }
  }

  private static double metric(int port, String name) {
    try {
      HttpURLConnection c =
          (HttpURLConnection)
              URI.create("http://127.0.0.1:" + port + "/metrics").toURL().openConnection();
      c.setReadTimeout(5000);
      for (String line :
          new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.startsWith(name + " ")) {
          return Double.parseDouble(line.substring(name.length() + 1).strip());
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not up yet
    }
    return Double.NaN;
  }

  private static long step(int port) {
    double v = metric(port, "allspark_trainer_step");
    return Double.isNaN(v) ? -1 : (long) v;
  }

  private static void awaitLive(int port, Service s) throws InterruptedException {
    long end = System.nanoTime() + 180_000_000_000L;
    while (System.nanoTime() < end) {
      if (status("http://127.0.0.1:" + port + "/health/live", 1000) == 200) {
        return;
      }
      if (!s.alive()) {
        throw new IllegalStateException(s.name() + " exited, see " + s.log());
      }
      Thread.sleep(300);
    }
    throw new IllegalStateException(s.name() + " not live within 180 s, see " + s.log());
  }

  private ProducerRecord<String, byte[]> labeled(
      AvroSerde<LabeledFrame> serde, SyntheticFleet fleet, String id, long index)
      throws IOException {
    SyntheticFleet.Scene sc = fleet.scene(0, index);
    BufferedImage mask = new BufferedImage(96, 72, BufferedImage.TYPE_BYTE_GRAY);
    int[] ids = sc.labels();
    for (int y = 0; y < 72; y++) {
      for (int x = 0; x < 96; x++) {
        mask.getRaster().setSample(x, y, 0, ids[y * 96 + x]);
      }
    }
    LabeledFrame lf =
        LabeledFrame.newBuilder()
            .setFrameId(id)
            .setFrame(frame(id, png(sc.image()), 96, 72, ImageEncoding.PNG))
            .setMask(
                LabelMask.newBuilder()
                    .setFrameId(id)
                    .setMask(ByteBuffer.wrap(png(mask)))
                    .setWidth(96)
                    .setHeight(72)
                    .setClassSetVersion("camvid-11")
                    .setLabeler("chaos")
                    .setLabeledAt(Instant.now())
                    .build())
            .build();
    return new ProducerRecord<>(topics.name(Topic.FRAMES_LABELED), id, serde.encode(lf));
  }

  private static CameraFrame frame(String id, byte[] image, int w, int h, ImageEncoding enc) {
    return CameraFrame.newBuilder()
        .setFrameId(id)
        .setVehicleId("chaos")
        .setCameraId("chaos-cam")
        .setCaptureTime(Instant.now())
        .setWidth(w)
        .setHeight(h)
        .setEncoding(enc)
        .setImage(ByteBuffer.wrap(image))
        .build();
  }

  private static byte[] png(BufferedImage image) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  private static byte[] truncated(byte[] png) {
    return java.util.Arrays.copyOf(png, png.length / 3);
  }

  /** A PNG whose header declares 30000x30000 pixels, in a few dozen bytes. */
  private static byte[] bomb() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    ByteBuffer ihdr =
        ByteBuffer.allocate(13).putInt(30000).putInt(30000).put((byte) 8).put((byte) 0);
    chunk(out, "IHDR", java.util.Arrays.copyOf(ihdr.array(), 13));
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data)
      throws IOException {
    out.write(ByteBuffer.allocate(4).putInt(data.length).array());
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.write(t);
    out.write(data);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(t);
    crc.update(data);
    out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A small JSON writer for the report (maps, lists, strings, numbers, booleans). */
  static final class Json {
    static String write(Object o) {
      StringBuilder b = new StringBuilder();
      write(o, b, "");
      return b.toString();
    }

    private static void write(Object o, StringBuilder b, String indent) {
      if (o instanceof Map<?, ?> m) {
        b.append("{");
        String inner = indent + "  ";
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          b.append(first ? "\n" : ",\n").append(inner);
          b.append(dev.allspark.schemas.ops.OpsServer.quote(String.valueOf(e.getKey())))
              .append(": ");
          write(e.getValue(), b, inner);
          first = false;
        }
        b.append(first ? "}" : "\n" + indent + "}");
      } else if (o instanceof List<?> l) {
        b.append("[");
        for (int i = 0; i < l.size(); i++) {
          b.append(i == 0 ? "" : ", ");
          write(l.get(i), b, indent);
        }
        b.append("]");
      } else if (o instanceof Number || o instanceof Boolean) {
        b.append(o);
      } else {
        b.append(o == null ? "null" : dev.allspark.schemas.ops.OpsServer.quote(String.valueOf(o)));
      }
    }
  }
}
