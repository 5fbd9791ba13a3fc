package dev.allspark.bridge.cli;

import dev.allspark.bridge.LabelingBridge;
import dev.allspark.schemas.kafka.KafkaOverrides;
import dev.allspark.schemas.kafka.TopicCatalog;
import dev.allspark.schemas.ops.ShutdownSignal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code allspark labeling-bridge}: the labelers' API and page, and the mask join. */
@Command(
    name = "labeling-bridge",
    mixinStandardHelpOptions = true,
    description = {
      "Serve the labelers' page and API; join their masks with the requested frames.",
      "The page and API are on http://HOST:PORT/; labels.masks is joined with",
      "frames.to-label into frames.labeled. Defaults come from the environment variables shown."
    })
public final class LabelingBridgeCommand implements Callable<Integer> {
  @Option(
      names = "--bootstrap",
      defaultValue = "${env:ALLSPARK_BOOTSTRAP}",
      description = "Kafka bootstrap servers [ALLSPARK_BOOTSTRAP].")
  String bootstrap;

  @Option(
      names = "--http-port",
      defaultValue = "${env:ALLSPARK_BRIDGE_HTTP_PORT:-8082}",
      description =
          "Port of the page, /api, /metrics and /health [ALLSPARK_BRIDGE_HTTP_PORT] (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(
      names = "--token",
      defaultValue = "${env:ALLSPARK_BRIDGE_TOKEN}",
      description =
          "Bearer token every API call must carry, 8+ characters [ALLSPARK_BRIDGE_TOKEN]. Prefer"
              + " the variable or --token-file: a value on the command line shows in ps.")
  String token;

  @Option(
      names = "--token-file",
      defaultValue = "${env:ALLSPARK_BRIDGE_TOKEN_FILE}",
      description =
          "File holding the token (e.g. a mounted Secret), surrounding blanks ignored"
              + " [ALLSPARK_BRIDGE_TOKEN_FILE].")
  Path tokenFile;

  @Option(
      names = "--import-root",
      defaultValue = "${env:ALLSPARK_BRIDGE_IMPORT_ROOT}",
      description =
          "Folder under which POST /api/import may read mask folders; unset: import is off"
              + " [ALLSPARK_BRIDGE_IMPORT_ROOT].")
  Path importRoot;

  @Option(
      names = "--state-dir",
      defaultValue = "${env:ALLSPARK_BRIDGE_STATE_DIR:-/tmp/allspark-labeling-bridge}",
      description =
          "Kafka Streams state (rebuilt from changelogs if lost) [ALLSPARK_BRIDGE_STATE_DIR] (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(
      names = "--application-id",
      defaultValue = "${env:ALLSPARK_BRIDGE_APPLICATION_ID:-allspark-labeling-bridge}",
      description =
          "Kafka Streams application id [ALLSPARK_BRIDGE_APPLICATION_ID] (default: ${DEFAULT-VALUE}).")
  String applicationId;

  @Option(
      names = "--cold-start",
      defaultValue = "${env:ALLSPARK_BRIDGE_COLD_START:-0}",
      description =
          "Frames to request for labeling while no model exists yet, 0 = none [ALLSPARK_BRIDGE_COLD_START] (default: ${DEFAULT-VALUE}).")
  int coldStart;

  @Option(
      names = "--cold-start-every",
      defaultValue = "${env:ALLSPARK_BRIDGE_COLD_START_EVERY:-10}",
      description =
          "During the cold start, request every n-th frame [ALLSPARK_BRIDGE_COLD_START_EVERY] (default: ${DEFAULT-VALUE}).")
  int coldStartEvery;

  /** The bridge's settings; errors name the option and its variable. */
  public LabelingBridge.Settings settings(Map<String, String> env) {
    Map<String, String> kafka = KafkaOverrides.from(env);
    if (tokenFile != null) {
      if (token != null && !token.isBlank()) {
        throw new IllegalArgumentException(
            "set the token once: --token / ALLSPARK_BRIDGE_TOKEN or --token-file /"
                + " ALLSPARK_BRIDGE_TOKEN_FILE, not both");
      }
      try {
        token = java.nio.file.Files.readString(tokenFile).strip();
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException(
            "--token-file / ALLSPARK_BRIDGE_TOKEN_FILE " + tokenFile + " cannot be read: " + e, e);
      }
    }
    return new LabelingBridge.Settings(
        bootstrap,
        kafka,
        TopicCatalog.from(env),
        httpPort,
        token,
        stateDir,
        applicationId,
        coldStart,
        coldStartEvery,
        importRoot);
  }

  @Override
  public Integer call() throws Exception {
    LabelingBridge.Settings s = settings(System.getenv());
    // Ctrl-C / SIGTERM: stop, and hold the JVM until the topology has committed and closed
    ShutdownSignal stop = ShutdownSignal.register("labeling-bridge", Duration.ofSeconds(60));
    try (LabelingBridge bridge = new LabelingBridge(s).start()) {
      System.err.printf(
          "labeling-bridge: page and API on http://localhost:%d/ (Kafka %s)%n",
          bridge.httpPort(), s.bootstrap());
      while (!stop.await(30, TimeUnit.SECONDS)) {
        System.err.printf("labeling-bridge: %s%n", bridge.state());
      }
      return 0;
    } finally {
      stop.closed();
    }
  }
}
