package dev.allspark.stack.demo;

import com.sun.net.httpserver.HttpExchange;
import dev.allspark.ops.Json;
import dev.allspark.ops.OpsServer;
import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.CheckpointManifest;
import dev.allspark.schemas.ImageEncoding;
import dev.allspark.schemas.Segmentation;
import dev.allspark.schemas.kafka.AvroSerde;
import dev.allspark.schemas.kafka.CheckpointTopic;
import dev.allspark.schemas.kafka.ConsumerLoop;
import dev.allspark.schemas.kafka.Topic;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.labels.ClassSet;
import dev.allspark.schemas.labels.LabelMaps;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's dashboard: recent frames with the predicted mask over them and the model version that
 * made it, validation mIoU over time, the version timeline and throughput. It reads the same topics
 * a downstream consumer would ({@code segmentations} read-committed, {@code camera.frames}, {@code
 * model.checkpoints}) and the stack's live status; the page polls {@code /api/state}.
 *
 * <p>Some 340 lines: the demo's one page, its state (read from three topics) and its routes;
 * splitting them would only pass the same maps between classes.
 */
final class Dashboard implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Dashboard.class);
  private static final int RECENT_FRAMES = 64;
  private static final int SHOWN_RESULTS = 6;

  /** A result the page can show: the frame's image is still held. */
  record Result(String frameId, long version, long latencyMs, float confidence, byte[] maskPng) {}

  /** A published checkpoint as the topic announced it. */
  record Version(long version, long createdAt, Double miou, Long firstServedAt) {}

  private final ClassSet classes;
  private final TopicCatalog topics;
  private final Supplier<StackStatus> status;
  private final OpsServer http;
  private final ConsumerLoop reader;
  private final AvroSerde<CameraFrame> frameSerde = new AvroSerde<>(CameraFrame.class);
  private final AvroSerde<Segmentation> segSerde = new AvroSerde<>(Segmentation.class);
  private final CheckpointTopic.Reader checkpoints = CheckpointTopic.Reader.manifests();

  // guarded by this
  private final Map<String, CameraFrame> frames =
      new LinkedHashMap<>(RECENT_FRAMES, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CameraFrame> e) {
          return size() > RECENT_FRAMES;
        }
      };
  private final Deque<Result> results = new ArrayDeque<>();
  private final Map<Long, Version> versions = new TreeMap<>();
  private final Deque<long[]> throughput = new ArrayDeque<>(); // {time, frames}
  private long resultsSeen;

  Dashboard(
      String bootstrap,
      TopicCatalog topics,
      int port,
      ClassSet classes,
      Supplier<StackStatus> status) {
    this.topics = topics;
    this.classes = classes;
    this.status = status;
    this.reader =
        new ConsumerLoop(
            "demo-dashboard",
            ConsumerLoop.config(
                bootstrap, "allspark-demo-dashboard-" + System.nanoTime(), "latest", true),
            this::read);
    this.http = new OpsServer(port, "dashboard", () -> "", () -> new OpsServer.Health(true, "{}"));
    http.route("/", this::serve);
  }

  Dashboard start() {
    reader.start();
    http.start();
    return this;
  }

  int port() {
    return http.port();
  }

  private void read(KafkaConsumer<String, byte[]> consumer, BooleanSupplier running) {
    String framesTopic = topics.name(Topic.CAMERA_FRAMES);
    String segTopic = topics.name(Topic.SEGMENTATIONS);
    String ckptTopic = topics.name(Topic.MODEL_CHECKPOINTS);
    consumer.subscribe(List.of(framesTopic, segTopic, ckptTopic));
    boolean rewound = false;
    while (running.getAsBoolean()) {
      var records = consumer.poll(Duration.ofMillis(500));
      if (!rewound && !consumer.assignment().isEmpty()) {
        // the whole version history, but only new frames and results
        consumer.assignment().stream()
            .filter(tp -> tp.topic().equals(ckptTopic))
            .forEach(tp -> consumer.seek(tp, 0));
        rewound = true;
      }
      for (ConsumerRecord<String, byte[]> r : records) {
        try {
          if (r.topic().equals(framesTopic)) {
            CameraFrame f = frameSerde.decode(r);
            synchronized (this) {
              frames.put(f.getFrameId(), f);
            }
          } else if (r.topic().equals(segTopic)) {
            accept(segSerde.decode(r));
          } else if (checkpoints.accept(r) instanceof CheckpointTopic.Listed listed) {
            CheckpointManifest m = listed.manifest();
            synchronized (this) {
              Version old = versions.get(m.getVersion());
              versions.put(
                  m.getVersion(),
                  new Version(
                      m.getVersion(),
                      m.getCreatedAt().toEpochMilli(),
                      m.getMetrics().get("val.mIoU"),
                      old == null ? null : old.firstServedAt()));
            }
          }
        } catch (RuntimeException e) {
          log.debug("dashboard skipped a record at {}/{}@{}", r.topic(), r.partition(), r.offset());
        }
      }
      sampleThroughput();
    }
  }

  private synchronized void accept(Segmentation s) {
    resultsSeen++;
    long now = System.currentTimeMillis();
    Version v = versions.get(s.getModelVersion());
    if (v == null) {
      versions.put(s.getModelVersion(), new Version(s.getModelVersion(), 0, null, now));
    } else if (v.firstServedAt() == null) {
      versions.put(s.getModelVersion(), new Version(v.version(), v.createdAt(), v.miou(), now));
    }
    if (!frames.containsKey(s.getFrameId())) {
      return;
    }
    ByteBuffer d = s.getMask().duplicate();
    byte[] mask = new byte[d.remaining()];
    d.get(mask);
    results.addFirst(
        new Result(
            s.getFrameId(),
            s.getModelVersion(),
            s.getTimings().getProduced().toEpochMilli()
                - s.getTimings().getCaptured().toEpochMilli(),
            s.getMeanConfidence(),
            mask));
    while (results.size() > SHOWN_RESULTS) {
      results.removeLast();
    }
  }

  private synchronized void sampleThroughput() {
    long now = System.currentTimeMillis();
    if (!throughput.isEmpty() && now - throughput.peekLast()[0] < 2000) {
      return;
    }
    throughput.addLast(new long[] {now, status.get().inferenceFrames()});
    while (throughput.size() > 300) {
      throughput.removeFirst();
    }
  }

  private void serve(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String id = OpsServer.query(ex).get("frame");
    switch (path) {
      case "/", "/index.html" -> resource(ex, "index.html", "text/html; charset=utf-8");
      case "/dashboard.js" -> resource(ex, "dashboard.js", "text/javascript; charset=utf-8");
      case "/api/state" -> OpsServer.json(ex, 200, stateJson());
      case "/api/frame" -> {
        CameraFrame f;
        synchronized (this) {
          f = id == null ? null : frames.get(id);
        }
        if (f == null) {
          OpsServer.error(ex, 404, "frame " + id + " is no longer held (the last 64 are)");
          return;
        }
        ByteBuffer d = f.getImage().duplicate();
        byte[] b = new byte[d.remaining()];
        d.get(b);
        OpsServer.send(
            ex, 200, f.getEncoding() == ImageEncoding.JPEG ? "image/jpeg" : "image/png", b);
      }
      case "/api/overlay" -> {
        Result r = null;
        synchronized (this) {
          for (Result x : results) {
            if (x.frameId().equals(id)) {
              r = x;
            }
          }
        }
        if (r == null) {
          OpsServer.error(ex, 404, "no recent result for frame " + id);
          return;
        }
        OpsServer.send(ex, 200, "image/png", overlay(r.maskPng()));
      }
      default -> OpsServer.error(ex, 404, "no such route: " + path);
    }
  }

  /** The predicted classes in their colours (void transparent), for drawing over the frame. */
  private byte[] overlay(byte[] maskPng) throws IOException {
    LabelMaps.LabelMap map;
    try {
      map = LabelMaps.read(maskPng, classes);
    } catch (LabelMaps.InvalidMaskException e) {
      throw new IOException(e.getMessage());
    }
    BufferedImage colour = LabelMaps.colour(map, classes);
    BufferedImage argb = new BufferedImage(map.width(), map.height(), BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < map.height(); y++) {
      for (int x = 0; x < map.width(); x++) {
        boolean known = map.id(x, y) < classes.size();
        argb.setRGB(x, y, known ? 0xff000000 | colour.getRGB(x, y) : 0);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(argb, "png", out);
    return out.toByteArray();
  }

  private synchronized String stateJson() {
    StackStatus s = status.get();
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("status", s.values());
    List<Map<String, Object>> shown = new ArrayList<>();
    for (Result r : results) {
      shown.add(
          Map.of(
              "frameId", r.frameId(),
              "version", r.version(),
              "latencyMs", r.latencyMs(),
              "confidence", r.confidence()));
    }
    state.put("results", shown);
    state.put("resultsSeen", resultsSeen);
    List<Map<String, Object>> legend = new ArrayList<>();
    for (int c = 0; c < classes.size(); c++) {
      int[] rgb = classes.colors().get(c);
      legend.add(
          Map.of(
              "name", classes.names().get(c),
              "color", String.format("#%02x%02x%02x", rgb[0], rgb[1], rgb[2])));
    }
    state.put("classes", Map.of("id", classes.id(), "classes", legend));
    List<Map<String, Object>> validations = new ArrayList<>();
    for (var v : s.validations()) {
      validations.add(
          Map.of(
              "step", v.step(),
              "at", v.atMillis(),
              "miou", Double.isFinite(v.miou()) ? v.miou() : 0,
              "published", v.publishedVersion()));
    }
    state.put("validations", validations);
    List<Map<String, Object>> shownVersions = new ArrayList<>();
    for (Version v : versions.values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("version", v.version());
      m.put("createdAt", v.createdAt());
      m.put("miou", v.miou());
      m.put("firstServedAt", v.firstServedAt());
      shownVersions.add(m);
    }
    state.put("versions", shownVersions);
    List<List<Number>> rate = new ArrayList<>();
    List<long[]> points = new ArrayList<>(throughput);
    for (int k = 1; k < points.size(); k++) {
      long dt = points.get(k)[0] - points.get(k - 1)[0];
      double fps = dt <= 0 ? 0 : (points.get(k)[1] - points.get(k - 1)[1]) * 1000.0 / dt;
      rate.add(List.of(points.get(k)[0], Math.round(fps * 100) / 100.0));
    }
    state.put("throughput", rate);
    return Json.write(state);
  }

  private void resource(HttpExchange ex, String name, String type) throws IOException {
    OpsServer.resource(ex, Dashboard.class, "/dashboard/" + name, type);
  }

  @Override
  public void close() throws InterruptedException {
    reader.close();
    http.close();
  }
}
