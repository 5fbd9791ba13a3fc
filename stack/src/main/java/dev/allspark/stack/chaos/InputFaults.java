package dev.allspark.stack.chaos;

import static dev.allspark.stack.chaos.BadInputs.*;
import static dev.allspark.stack.chaos.ChaosRun.*;
import static dev.allspark.stack.chaos.Http.*;

import dev.allspark.ingest.SyntheticFleet;
import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.ImageEncoding;
import dev.allspark.schemas.LabelMask;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.Topic;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Parts 2 and 3: slow clients against the probes, and malformed input at every entrance. */
final class InputFaults {
  private final ChaosRun run;

  InputFaults(ChaosRun run) {
    this.run = run;
  }

  void slowAndMalformed(Path dir, Service inference) throws Exception {
    int ingestPort = freePort();
    Service push =
        Service.command(
            "ingest-http",
            List.of(
                "ingest",
                "--bootstrap",
                run.bootstrap,
                "--source",
                "http",
                "--http-port",
                Integer.toString(ingestPort)),
            run.env(),
            dir,
            "384m");
    int bridgePort = freePort();
    Map<String, String> bridgeEnv = run.env();
    bridgeEnv.put(
        "ALLSPARK_BRIDGE_TOKEN", "chaos-" + Long.toHexString(new Random(run.seed).nextLong()));
    bridgeEnv.put("ALLSPARK_BRIDGE_STATE_DIR", dir.resolve("bridge-state").toString());
    Service bridge =
        Service.command(
            "labeling-bridge",
            List.of(
                "labeling-bridge",
                "--bootstrap",
                run.bootstrap,
                "--http-port",
                Integer.toString(bridgePort)),
            bridgeEnv,
            dir,
            "512m");
    run.services.add(push);
    run.services.add(bridge);
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
        run.failures.add(
            name
                + ": /health/live failed "
                + failed
                + " of 20, slowest "
                + worst
                + " ms with 8 slow clients");
      }
    }
    run.report.put("slowClients", slow);

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
        run.failures.add("push '" + c[0] + "' answered " + got + ", expected " + c[5]);
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
      run.failures.add(
          "push with a declared length of 10^12 answered " + declaredHuge + ", expected 413");
    }
    double counted = metric(ingestPort, "allspark_ingest_rejected_total") - rejectedBefore;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pushes", pushes);
    m.put("pushesRefusedAsExpected", refusedPushes + " of " + (catalogue.length + 1));
    m.put("ingestRejectedMetric", counted);
    if (counted != catalogue.length + 1) {
      run.failures.add(
          "allspark_ingest_rejected_total is "
              + counted
              + " after "
              + (catalogue.length + 1)
              + " refusals");
    }

    // 3b. bad records on camera.frames: each to the DLQ with a readable reason
    AvroSerde<CameraFrame> fs = new AvroSerde<>(CameraFrame.class);
    int before = run.readAll(Topic.CAMERA_FRAMES_DLQ).size();
    Map<String, byte[]> bad = new LinkedHashMap<>();
    bad.put("not Avro", "garbage".getBytes(StandardCharsets.UTF_8));
    bad.put("tombstone", null);
    bad.put("declared size wrong", fs.encode(frame("bad/size", png, 640, 480, ImageEncoding.PNG)));
    bad.put("empty image", fs.encode(frame("bad/empty", new byte[0], 64, 48, ImageEncoding.PNG)));
    bad.put("PNG declared JPEG", fs.encode(frame("bad/enc", png, 64, 48, ImageEncoding.JPEG)));
    bad.put("decompression bomb", fs.encode(frame("bad/bomb", bomb(), 64, 48, ImageEncoding.PNG)));
    bad.put(
        "undecodable PNG", fs.encode(frame("bad/png", truncated(png), 64, 48, ImageEncoding.PNG)));
    Map<String, String> reasons =
        deadLetterReasons(
            Topic.CAMERA_FRAMES, "chaos-bad", bad, Topic.CAMERA_FRAMES_DLQ, before, 120);
    List<String> names = new ArrayList<>(bad.keySet());
    m.put("framesToDlq", reasons);
    for (String n : names) {
      String r = reasons.get(n);
      if (r == null || r.isBlank() || r.contains("NullPointerException") || r.endsWith(": ")) {
        run.failures.add(
            "bad frame '" + n + "': DLQ reason " + (r == null ? "missing" : "'" + r + "'"));
      }
    }

    // 3c. bad records on labels.masks: each to its DLQ
    int beforeMasks = run.readAll(Topic.LABELS_MASKS_DLQ).size();
    AvroSerde<LabelMask> ms = new AvroSerde<>(LabelMask.class);
    Map<String, byte[]> badMasks = new LinkedHashMap<>();
    badMasks.put("not Avro", "garbage".getBytes(StandardCharsets.UTF_8));
    badMasks.put(
        "mask not a PNG",
        ms.encode(
            run.topics.name(Topic.LABELS_MASKS),
            LabelMask.newBuilder()
                .setFrameId("chaos/mask")
                .setMask(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .setWidth(64)
                .setHeight(48)
                .setClassSetVersion("camvid-11")
                .setLabeler("chaos")
                .setLabeledAt(Instant.now())
                .build()));
    Map<String, String> maskReasons =
        deadLetterReasons(
            Topic.LABELS_MASKS, "chaos/mask", badMasks, Topic.LABELS_MASKS_DLQ, beforeMasks, 90);
    m.put("masksToDlq", maskReasons);
    if (maskReasons.size() < badMasks.size()) {
      run.failures.add(
          "bad masks: "
              + maskReasons.size()
              + " of "
              + badMasks.size()
              + " reached labels.masks.dlq");
    }
    run.report.put("malformed", m);
  }

  /**
   * Sends each of {@code bad} to {@code topic} under {@code key}, waits up to {@code seconds} for
   * as many new dead letters on {@code dlq} (which held {@code before}), and returns each record's
   * name with its dead letter's reason, in the order sent (missing where none came).
   */
  private Map<String, String> deadLetterReasons(
      Topic topic, String key, Map<String, byte[]> bad, Topic dlq, int before, long seconds)
      throws Exception {
    try (KafkaProducer<String, byte[]> p = run.producer()) {
      for (byte[] value : bad.values()) {
        p.send(new ProducerRecord<>(run.topics.name(topic), key, value)).get();
      }
    }
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    List<ConsumerRecord<String, byte[]>> dead = List.of();
    while (System.nanoTime() < end) {
      dead = run.readAll(dlq);
      if (dead.size() >= before + bad.size()) {
        break;
      }
      Thread.sleep(1000);
    }
    List<String> names = new ArrayList<>(bad.keySet());
    Map<String, String> reasons = new LinkedHashMap<>();
    for (int i = before; i < dead.size() && i - before < names.size(); i++) {
      reasons.put(names.get(i - before), reason(dead.get(i)));
    }
    return reasons;
  }

  // ------------------------------------------------------------------ 4. labels during training
}
