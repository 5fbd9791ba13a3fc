package dev.allspark.ingest;

import dev.allspark.ops.Json;
import dev.allspark.ops.LogContext;
import dev.allspark.ops.OpsServer;
import dev.allspark.ops.Service;
import dev.allspark.ops.ServiceMeters;
import dev.allspark.ops.ServiceThread;
import dev.allspark.schemas.CameraFrame;
import dev.allspark.schemas.ImageEncoding;
import dev.allspark.schemas.kafka.Topic;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest service: one source (the synthetic fleet, a folder replay, or HTTP push) into {@code
 * camera.frames}, with {@code /metrics} and {@code /health} (and {@code /frames} for HTTP push) on
 * one port.
 *
 * <p>Some 390 lines: three sources (synthetic fleet, folder, HTTP push) share one producer, one
 * delivery window and one set of meters; the sources themselves are their own classes.
 */
public final class IngestService implements Service {
  private static final Logger log = LoggerFactory.getLogger(IngestService.class);

  /** Where frames come from. */
  public enum Source {
    SYNTHETIC,
    FOLDER,
    HTTP
  }

  private final IngestSettings s;
  private final FrameProducer producer;
  private final ServiceMeters meters = new ServiceMeters("ingest");
  private final Counter sent =
      Counter.builder("allspark.ingest.frames").register(meters.registry());
  private final Counter rejected =
      Counter.builder("allspark.ingest.rejected")
          .description("frames refused at the edge (a frame rule broken), never written")
          .register(meters.registry());
  private final Counter bytes =
      Counter.builder("allspark.ingest.bytes")
          .description("image bytes written to camera.frames")
          .register(meters.registry());
  private final ServiceThread thread;
  private final PrintStream progress;
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile boolean running = true;
  private volatile String status = "starting";
  private volatile String fatal;
  private volatile String outage;

  /** Frames handed to the delivery (acknowledged or not yet): what a frame limit counts. */
  private long handed;

  private final Delivery delivery;

  /** A service that reports its progress on standard error. */
  public IngestService(IngestSettings settings) {
    this(settings, System.err);
  }

  public IngestService(IngestSettings settings, PrintStream progress) {
    this.s = settings;
    this.progress = progress;
    Map<String, Object> client = new HashMap<>(settings.kafka());
    client.put("bootstrap.servers", settings.bootstrap());
    int limit = Topic.CAMERA_FRAMES.maxMessageBytes();
    if (settings.source() == Source.HTTP) {
      // a push waits for the broker's answer: the producer gives up before the push does, so a
      // 503 means the frame was not written and the gateway may send it again
      client.putIfAbsent("request.timeout.ms", 10_000);
      client.putIfAbsent("delivery.timeout.ms", 25_000);
      client.putIfAbsent("max.block.ms", 10_000);
    }
    this.producer =
        new FrameProducer(
            client, settings.topics().name(Topic.CAMERA_FRAMES), limit, settings.decodeEvery());
    meters.bind(producer.kafka()); // closed with the meters, after the producer
    OpsServer ops =
        new OpsServer(
            settings.httpPort(),
            "ingest",
            meters::scrape,
            () ->
                new OpsServer.Health(
                    fatal == null,
                    Json.write(Map.of("status", status(), "frames", (long) sent.count()))));
    if (settings.source() == Source.HTTP) {
      ops.route(
          "/frames",
          new HttpPush(
              producer::send,
              limit - 4096,
              new HttpPush.Outcomes() {
                @Override
                public void accepted(SourceFrame frame) {
                  sent.increment();
                  bytes.increment(frame.image().length);
                }

                @Override
                public void refused(int status) {
                  rejected.increment();
                }
              }));
    }
    this.delivery =
        new Delivery(
            producer,
            256,
            (frame, md) -> {
              sent.increment();
              bytes.increment(frame.getImage().remaining());
            },
            problem -> outage = problem);
    this.thread =
        new ServiceThread(
            "ingest-source",
            this::run,
            ops,
            now -> running = false,
            Duration.ofSeconds(30),
            () -> checkers.pool().shutdownNow(),
            producer,
            meters,
            finished::countDown);
  }

  @Override
  public IngestService start() {
    thread.start();
    return this;
  }

  public int httpPort() {
    return thread.httpPort();
  }

  public String status() {
    if (fatal != null) {
      return "failed: " + fatal;
    }
    String o = outage;
    return o == null ? status : status + "; " + o;
  }

  @Override
  public String banner() {
    return status() + " into " + s.bootstrap() + ", " + thread.endpoints();
  }

  @Override
  public String statusLine() {
    return status() + " | " + framesSent() + " frames sent";
  }

  @Override
  public int exitCode() {
    return status().startsWith("failed") ? 1 : 0;
  }

  public long framesSent() {
    return (long) sent.count();
  }

  /** Frames refused (at the edge, or a push answered with an error). */
  public long framesRefused() {
    return (long) rejected.count();
  }

  public long bytesSent() {
    return (long) bytes.count();
  }

  /** True once a finite source has sent everything (or failed); an HTTP source is never done. */
  @Override
  public boolean finished() {
    return s.source() != Source.HTTP && finished.getCount() == 0;
  }

  /** Waits until a finite source has sent everything (or failed). */
  public void awaitFinished() throws InterruptedException {
    finished.await();
  }

  private void run() {
    try {
      switch (s.source()) {
        case SYNTHETIC -> synthetic();
        case FOLDER -> folder();
        case HTTP ->
            status =
                "listening on http://" + OpsServer.bindAddress() + ":" + httpPort() + "/frames";
      }
      delivery.drain();
    } catch (RuntimeException | IOException e) {
      fatal = e.getMessage() == null ? e.toString() : e.getMessage();
      log.error("ingest stopped", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (s.source() != Source.HTTP) {
        finished.countDown();
      }
    }
  }

  private void synthetic() throws InterruptedException {
    SyntheticFleet fleet = new SyntheticFleet(s.seed(), s.width(), s.height());
    long t0 = System.currentTimeMillis();
    status = "synthetic fleet of " + s.cameras() + " cameras at " + s.fps() + " frames/s each";
    for (long i = 0; running; i++) {
      for (int c = 0; c < s.cameras() && running; c++) {
        long capture =
            s.fps() > 0 ? t0 + Math.round(i * 1000.0 / s.fps()) : System.currentTimeMillis();
        pace(capture);
        SyntheticFleet.Scene scene = fleet.scene(c, i);
        byte[] image = encode(scene.image(), s.jpeg());
        String camera = syntheticCamera(c);
        send(
            new SourceFrame(
                camera + "/" + i,
                "synthetic-vehicle-" + c,
                camera,
                capture,
                s.jpeg() ? ImageEncoding.JPEG : ImageEncoding.PNG,
                image,
                s.width(),
                s.height(),
                Map.of("source", "synthetic", "weather", scene.weather()),
                scene.labels()));
        if (s.maxFrames() > 0 && handed >= s.maxFrames()) {
          return;
        }
      }
    }
  }

  /** Camera id of synthetic camera {@code c}; frame ids are {@code <camera>/<index>}. */
  public static String syntheticCamera(int c) {
    return "synthetic-c" + c;
  }

  private void folder() throws IOException, InterruptedException {
    FolderReplay replay =
        FolderReplay.open(s.folder(), s.fps() > 0 ? s.fps() : 1, s.start(), s.jpeg());
    int total = replay.frameCount();
    for (int pass = 0; running; pass++) {
      long t0 = System.currentTimeMillis();
      status = "replaying " + s.folder() + ", pass " + (pass + 1);
      long startNanos = System.nanoTime();
      // At full speed the edge check (a full decode of each image) is the bottleneck, so it runs
      // on every core while frames are sent in their order; paced replays check inline.
      int window = s.fps() > 0 ? 1 : 2 * checkers.threads();
      Deque<Map.Entry<SourceFrame, Future<CameraFrame>>> pending = new ArrayDeque<>();
      int done = 0;
      for (Iterator<SourceFrame> it = replay.pass(t0, pass); it.hasNext() && running; ) {
        SourceFrame f = it.next();
        if (s.fps() > 0) {
          pace(f.captureTimeMillis());
        } else {
          f = withCaptureNow(f);
        }
        SourceFrame frame = f;
        pending.add(Map.entry(frame, checkers.pool().submit(() -> producer.validate(frame))));
        while (pending.size() >= window) {
          sendChecked(pending.poll());
          report(++done, total, startNanos);
        }
        if (s.maxFrames() > 0 && handed + pending.size() >= s.maxFrames()) {
          break;
        }
      }
      while (!pending.isEmpty()) {
        sendChecked(pending.poll());
        report(++done, total, startNanos);
      }
      if (s.maxFrames() > 0 && handed >= s.maxFrames()) {
        return;
      }
      if (!s.loop()) {
        return;
      }
    }
  }

  private void report(int done, int total, long startNanos) {
    if (progress != null && (done % 10 == 0 || done == total)) {
      double seconds = (System.nanoTime() - startNanos) / 1e9;
      double rate = done / Math.max(seconds, 1e-9);
      int bar = (int) (24.0 * Math.min(done, total) / total);
      progress.printf(
          "replay %d/%d [%s%s] %.1f frames/s ETA %.0fs%n",
          done,
          total,
          "#".repeat(bar),
          ".".repeat(24 - bar),
          rate,
          Math.max(0, total - done) / rate);
    }
  }

  /** Sends a frame whose check ran on the pool, or counts and logs its refusal. */
  private void sendChecked(Map.Entry<SourceFrame, Future<CameraFrame>> e)
      throws InterruptedException {
    try {
      CameraFrame checked = e.getValue().get();
      handed++;
      delivery.send(checked);
    } catch (ExecutionException x) {
      if (x.getCause() instanceof FrameProducer.RejectedFrameException r) {
        rejected.increment();
        try (var c = LogContext.frame(e.getKey().frameId())) {
          log.warn("frame {} refused: {}", e.getKey().frameId(), r.getMessage());
        }
      } else {
        throw new IllegalStateException(
            "checking frame " + e.getKey().frameId() + " failed", x.getCause());
      }
    }
  }

  /** The threads that check frames at the edge, one per core. */
  private record Checkers(ExecutorService pool, int threads) {}

  private final Checkers checkers = newCheckers();

  private static Checkers newCheckers() {
    int n = Math.max(1, Runtime.getRuntime().availableProcessors());
    return new Checkers(
        Executors.newFixedThreadPool(n, dev.allspark.ops.Threads.daemons("ingest-check")), n);
  }

  private static SourceFrame withCaptureNow(SourceFrame f) {
    return new SourceFrame(
        f.frameId(),
        f.vehicleId(),
        f.cameraId(),
        System.currentTimeMillis(),
        f.encoding(),
        f.image(),
        f.width(),
        f.height(),
        f.metadata(),
        f.labels());
  }

  /** Waits for a frame's time, counting acknowledgements meanwhile (the metrics stay current). */
  private void pace(long captureMillis) throws InterruptedException {
    long wait;
    while ((wait = captureMillis - System.currentTimeMillis()) > 0) {
      Thread.sleep(Math.min(wait, 200));
      delivery.settle();
    }
  }

  private void send(SourceFrame f) throws InterruptedException {
    try {
      CameraFrame checked = producer.validate(f);
      handed++;
      delivery.send(checked);
    } catch (FrameProducer.RejectedFrameException e) {
      rejected.increment();
      try (var c = LogContext.frame(f.frameId())) {
        log.warn("frame {} refused: {}", f.frameId(), e.getMessage());
      }
    }
  }

  static byte[] encode(java.awt.image.BufferedImage image, boolean jpeg) {
    return dev.allspark.schemas.images.Images.encode(image, jpeg ? "jpg" : "png");
  }

  @Override
  public void close() {
    thread.close();
  }
}
