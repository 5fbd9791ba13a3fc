package dev.allspark.inference.cli;

import dev.allspark.inference.InferenceService;
import dev.allspark.inference.InferenceSettings;
import dev.allspark.inference.InferenceSettings.Key;
import dev.allspark.schemas.ops.ShutdownSignal;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code allspark inference}: runs the segmentation service until Ctrl-C. Every option also comes
 * from its environment variable (see {@code --help}); an option given here wins.
 */
@Command(
    name = "inference",
    mixinStandardHelpOptions = true,
    description = {
      "Segment every frame of camera.frames exactly once, following model.checkpoints.",
      "Each option can also be set by the environment variable in brackets."
    })
public final class InferenceCommand implements Callable<Integer> {
  @Option(names = "--bootstrap", description = "Kafka bootstrap servers [ALLSPARK_BOOTSTRAP].")
  String bootstrap;

  @Option(
      names = "--model-version",
      description =
          "'latest' (default) follows the newest checkpoint; N pins version N"
              + " [ALLSPARK_INFERENCE_MODEL_VERSION].")
  String modelVersion;

  @Option(names = "--group", description = "Consumer group [ALLSPARK_INFERENCE_GROUP].")
  String group;

  @Option(
      names = "--instance-id",
      description = "Stable replica id, for transactions [ALLSPARK_INFERENCE_INSTANCE_ID].")
  String instanceId;

  @Option(
      names = "--max-batch",
      description = "Frames per micro-batch [ALLSPARK_INFERENCE_MAX_BATCH].")
  String maxBatch;

  @Option(
      names = "--max-wait-ms",
      description = "Longest wait for a batch to fill [ALLSPARK_INFERENCE_MAX_WAIT_MS].")
  String maxWaitMs;

  @Option(
      names = "--input-size",
      description = "WIDTHxHEIGHT the model sees [ALLSPARK_INFERENCE_INPUT_SIZE].")
  String inputSize;

  @Option(
      names = "--max-frame-bytes",
      description = "Larger images go to the DLQ [ALLSPARK_INFERENCE_MAX_FRAME_BYTES].")
  String maxFrameBytes;

  @Option(
      names = "--max-frame-pixels",
      description = "Larger declared sizes go to the DLQ [ALLSPARK_INFERENCE_MAX_FRAME_PIXELS].")
  String maxFramePixels;

  @Option(
      names = "--label-requests-per-minute",
      description = "Label request rate cap [ALLSPARK_INFERENCE_LABEL_REQUESTS_PER_MINUTE].")
  String labelRate;

  @Option(
      names = "--label-fraction",
      description = "Most frames requested, as a fraction [ALLSPARK_INFERENCE_LABEL_FRACTION].")
  String labelFraction;

  @Option(
      names = "--audit-fraction",
      description = "Random audit sample, as a fraction [ALLSPARK_INFERENCE_AUDIT_FRACTION].")
  String auditFraction;

  @Option(
      names = "--http-port",
      description = "Port of /metrics and /health [ALLSPARK_INFERENCE_HTTP_PORT].")
  String httpPort;

  @Option(
      names = "--transaction-timeout-ms",
      description = "transaction.timeout.ms [ALLSPARK_INFERENCE_TRANSACTION_TIMEOUT_MS].")
  String transactionTimeoutMs;

  @Option(
      names = "--minutes",
      description = "Stop after this many minutes (default: run until Ctrl-C).")
  Double minutes;

  /** The values in force: the environment, then the options given here. */
  Map<String, String> values(Map<String, String> env) {
    Map<String, String> v = new HashMap<>(env);
    put(v, Key.BOOTSTRAP, bootstrap);
    put(v, Key.MODEL_VERSION, modelVersion);
    put(v, Key.GROUP, group);
    put(v, Key.INSTANCE, instanceId);
    put(v, Key.MAX_BATCH, maxBatch);
    put(v, Key.MAX_WAIT_MS, maxWaitMs);
    put(v, Key.INPUT_SIZE, inputSize);
    put(v, Key.MAX_FRAME_BYTES, maxFrameBytes);
    put(v, Key.MAX_FRAME_PIXELS, maxFramePixels);
    put(v, Key.LABEL_RATE, labelRate);
    put(v, Key.LABEL_FRACTION, labelFraction);
    put(v, Key.AUDIT_FRACTION, auditFraction);
    put(v, Key.HTTP_PORT, httpPort);
    put(v, Key.TRANSACTION_TIMEOUT_MS, transactionTimeoutMs);
    return v;
  }

  private static void put(Map<String, String> v, Key key, String value) {
    if (value != null) {
      v.put(key.env(), value);
    }
  }

  @Override
  public Integer call() throws Exception {
    InferenceSettings settings = InferenceSettings.from(values(System.getenv()));
    // Ctrl-C / SIGTERM: stop, and hold the JVM until the batch in hand is committed
    ShutdownSignal stop = ShutdownSignal.register("inference", Duration.ofSeconds(60));
    try (InferenceService service = new InferenceService(settings)) {
      service.start();
      System.err.printf(
          "inference: %s, model %s, http://localhost:%d/health and /metrics%n",
          settings.bootstrap(),
          settings.modelVersion().isPresent()
              ? "pinned to " + settings.modelVersion().getAsLong()
              : "latest",
          service.httpPort());
      long deadline =
          minutes == null ? Long.MAX_VALUE : System.nanoTime() + (long) (minutes * 60e9);
      String last = "";
      while (System.nanoTime() < deadline
          && !stop.await(2, java.util.concurrent.TimeUnit.SECONDS)) {
        String status = service.health().status();
        String line = String.format("%s | %.0f frames", status, service.framesProcessed());
        if (!line.equals(last)) {
          System.err.println(line);
          last = line;
        }
      }
    } finally {
      stop.closed();
    }
    return 0;
  }
}
