package dev.allspark.ingest.cli;

import dev.allspark.ingest.IngestService;
import dev.allspark.schemas.kafka.KafkaOverrides;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.ops.ShutdownSignal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code allspark ingest}: frames from a source into camera.frames. */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description = {
      "Send frames to camera.frames (synthetic fleet, folder replay or HTTP push).",
      "Sources: the synthetic fleet, a folder (CamVid or Cityscapes",
      "layout) or HTTP push (POST /frames). Defaults come from the environment variables shown."
    })
public final class IngestCommand implements Callable<Integer> {
  @Option(
      names = "--bootstrap",
      defaultValue = "${env:ALLSPARK_BOOTSTRAP}",
      description = "Kafka bootstrap servers [ALLSPARK_BOOTSTRAP].")
  String bootstrap;

  @Option(
      names = "--source",
      defaultValue = "${env:ALLSPARK_INGEST_SOURCE:-synthetic}",
      description =
          "synthetic, folder or http [ALLSPARK_INGEST_SOURCE] (default: ${DEFAULT-VALUE}).")
  String source;

  @Option(
      names = "--folder",
      defaultValue = "${env:ALLSPARK_INGEST_FOLDER}",
      description = "Folder to replay [ALLSPARK_INGEST_FOLDER].")
  Path folder;

  @Option(
      names = "--fps",
      defaultValue = "${env:ALLSPARK_INGEST_FPS:-2}",
      description =
          "Frames per second per camera, 0 = full speed [ALLSPARK_INGEST_FPS] (default: ${DEFAULT-VALUE}).")
  double fps;

  @Option(
      names = "--loop",
      defaultValue = "${env:ALLSPARK_INGEST_LOOP:-false}",
      description = "Replay the folder again and again [ALLSPARK_INGEST_LOOP].")
  boolean loop;

  @Option(
      names = "--start",
      defaultValue = "${env:ALLSPARK_INGEST_START:-0}",
      description = "Frames skipped at the start of each camera [ALLSPARK_INGEST_START].")
  int start;

  @Option(
      names = "--jpeg",
      defaultValue = "${env:ALLSPARK_INGEST_JPEG:-false}",
      description = "Re-encode frames as JPEG [ALLSPARK_INGEST_JPEG].")
  boolean jpeg;

  @Option(
      names = "--cameras",
      defaultValue = "${env:ALLSPARK_INGEST_CAMERAS:-4}",
      description = "Synthetic cameras [ALLSPARK_INGEST_CAMERAS] (default: ${DEFAULT-VALUE}).")
  int cameras;

  @Option(
      names = "--size",
      defaultValue = "${env:ALLSPARK_INGEST_SIZE:-480x360}",
      description = "Synthetic frame size [ALLSPARK_INGEST_SIZE] (default: ${DEFAULT-VALUE}).")
  String size;

  @Option(
      names = "--seed",
      defaultValue = "${env:ALLSPARK_INGEST_SEED:-1}",
      description = "Synthetic fleet seed [ALLSPARK_INGEST_SEED].")
  long seed;

  @Option(
      names = "--http-port",
      defaultValue = "${env:ALLSPARK_INGEST_HTTP_PORT:-8081}",
      description =
          "Port of /frames, /metrics, /health; -1 = none [ALLSPARK_INGEST_HTTP_PORT] (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(
      names = "--max-frames",
      defaultValue = "${env:ALLSPARK_INGEST_MAX_FRAMES:-0}",
      description = "Stop after this many frames, 0 = no limit [ALLSPARK_INGEST_MAX_FRAMES].")
  long maxFrames;

  /** The service's settings; errors name the option and its variable. */
  IngestService.Settings settings(Map<String, String> env) {
    if (bootstrap == null || bootstrap.isBlank()) {
      throw new IllegalArgumentException("--bootstrap / ALLSPARK_BOOTSTRAP is required");
    }
    IngestService.Source src;
    try {
      src = IngestService.Source.valueOf(source.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--source / ALLSPARK_INGEST_SOURCE = '"
              + source
              + "': expected synthetic, folder or http");
    }
    String[] wh = size.toLowerCase(Locale.ROOT).split("x");
    if (wh.length != 2 || !wh[0].matches("\\d+") || !wh[1].matches("\\d+")) {
      throw new IllegalArgumentException(
          "--size / ALLSPARK_INGEST_SIZE = '" + size + "': expected WIDTHxHEIGHT, e.g. 480x360");
    }
    Map<String, String> kafka = KafkaOverrides.from(env);
    return new IngestService.Settings(
        bootstrap,
        kafka,
        TopicCatalog.from(env),
        src,
        folder,
        fps,
        loop,
        start,
        jpeg,
        cameras,
        Integer.parseInt(wh[0]),
        Integer.parseInt(wh[1]),
        seed,
        httpPort,
        maxFrames);
  }

  @Override
  public Integer call() throws Exception {
    IngestService.Settings s = settings(System.getenv());
    // Ctrl-C / SIGTERM: stop, and hold the JVM until the producer has flushed
    ShutdownSignal stop = ShutdownSignal.register("ingest", Duration.ofSeconds(30));
    try (IngestService service = new IngestService(s, System.err).start()) {
      System.err.printf("ingest: %s into %s%n", service.status(), s.bootstrap());
      Thread waiter =
          new Thread(
              () -> {
                try {
                  if (s.source() != IngestService.Source.HTTP) {
                    service.awaitFinished();
                    stop.stop();
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      waiter.setDaemon(true);
      waiter.start();
      while (!stop.await(10, TimeUnit.SECONDS)) {
        System.err.printf("ingest: %s | %d frames sent%n", service.status(), service.framesSent());
      }
      System.err.printf("ingest: %d frames sent (%s)%n", service.framesSent(), service.status());
      return service.status().startsWith("failed") ? 1 : 0;
    } finally {
      stop.closed();
    }
  }
}
